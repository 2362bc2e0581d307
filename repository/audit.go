package repository

import (
	"context"
	"time"
)

// AuditEvent is one row of the audit trail. OldValue and NewValue hold the
// changed fields, and are encoded as JSON objects; nil stores NULL.
type AuditEvent struct {
	OccurredAt time.Time
	RequestID  string
	Action     string
	KeyID      string
	AliasName  string
	OldValue   map[string]any
	NewValue   map[string]any
}

// InsertAuditEvent records a change made in scope. Callers run it in the
// transaction of the change, so a change that rolls back leaves no event.
func (q *Queries) InsertAuditEvent(ctx context.Context, scope Scope, event AuditEvent) error {
	_, err := q.db.Exec(ctx, `
		INSERT INTO audit_events (occurred_at, request_id, account_id, region_id, access_key_id,
			action, key_id, alias_name, old_value, new_value)
		VALUES ($1, $2, $3, $4, NULLIF($5, ''), $6, NULLIF($7, ''), NULLIF($8, ''), $9, $10)`,
		event.OccurredAt, event.RequestID, scope.AccountID, scope.RegionID, scope.AccessKeyID,
		event.Action, event.KeyID, event.AliasName, event.OldValue, event.NewValue)
	return translate(err)
}
