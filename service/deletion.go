package service

import (
	"context"
	"log/slog"
	"time"

	"kmsmeta/repository"
)

// deletionBatchSize bounds how many keys one transaction deletes, so a
// backlog is worked off in short transactions.
const deletionBatchSize = 100

// deletionRequestID is the audit trail's request_id for deletions that no
// API request made.
const deletionRequestID = "deletion-worker"

// DeleteExpiredKeys deletes for good every key of regionID whose DeleteDate
// has passed, together with its aliases, and returns how many keys it
// deleted. Each deletion is logged with the key ID and audited, with one
// more audit row for each alias that went with the key. Replicas may run it
// at the same time, and each key is deleted by exactly one of them.
func (s *Service) DeleteExpiredKeys(ctx context.Context, regionID string, logger *slog.Logger) (int, error) {
	deleted := 0
	for {
		var batch []repository.ExpiredKey
		err := s.inTx(ctx, func(q *repository.Queries) error {
			var err error
			batch, err = q.DeleteExpiredKeys(ctx, regionID, s.now().UTC(), deletionBatchSize)
			if err != nil {
				return fromRepository(err)
			}

			for _, key := range batch {
				scope := Scope{AccountID: key.AccountID, RegionID: regionID}
				event := repository.AuditEvent{
					Action: "DeleteKey", KeyID: key.KeyID,
					OldValue: map[string]any{
						"KeyState":   StatePendingDeletion,
						"DeleteDate": key.DeleteDate.UTC().Format(time.RFC3339),
						"Aliases":    key.AliasNames,
					},
				}
				if err := s.audit(WithRequestID(ctx, deletionRequestID), q, scope, event); err != nil {
					return err
				}

				// One row per alias too, so that an alias's history ends
				// with its deletion.
				for _, aliasName := range key.AliasNames {
					aliasEvent := repository.AuditEvent{
						Action: "DeleteKey", KeyID: key.KeyID, AliasName: aliasName,
						OldValue: map[string]any{"KeyId": key.KeyID},
					}
					if err := s.audit(WithRequestID(ctx, deletionRequestID), q, scope, aliasEvent); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return deleted, err
		}

		for _, key := range batch {
			logger.Info("deletion: key deleted after its DeleteDate",
				slog.String("key_id", key.KeyID), slog.String("account_id", key.AccountID),
				slog.Time("delete_date", key.DeleteDate), slog.Int("aliases_deleted", len(key.AliasNames)))
		}
		deleted += len(batch)
		if len(batch) < deletionBatchSize {
			return deleted, nil
		}
	}
}

// RunDeletionWorker calls DeleteExpiredKeys every interval until ctx is
// done. Failures are logged and retried at the next tick.
func (s *Service) RunDeletionWorker(ctx context.Context, regionID string, interval time.Duration, logger *slog.Logger) {
	logger.Info("deletion: worker started", slog.Duration("interval", interval))
	ticker := time.NewTicker(interval)
	defer ticker.Stop()

	for {
		if _, err := s.DeleteExpiredKeys(ctx, regionID, logger); err != nil && ctx.Err() == nil {
			logger.Error("deletion: deleting expired keys failed; retrying at the next interval",
				slog.Any("error", err), slog.Duration("interval", interval))
		}

		select {
		case <-ctx.Done():
			logger.Info("deletion: worker stopped")
			return
		case <-ticker.C:
		}
	}
}
