package service

import (
	"context"

	"kmsmeta/repository"
)

type requestIDKey struct{}

// WithRequestID returns a context that carries the API request ID, which the
// audit trail records with every change.
func WithRequestID(ctx context.Context, requestID string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, requestID)
}

func requestIDFrom(ctx context.Context) string {
	requestID, _ := ctx.Value(requestIDKey{}).(string)
	return requestID
}

// audit records a change in the caller's transaction. An audit row that
// cannot be written fails the change with it.
func (s *Service) audit(ctx context.Context, q *repository.Queries, scope Scope, event repository.AuditEvent) error {
	event.OccurredAt = s.now().UTC()
	event.RequestID = requestIDFrom(ctx)
	if err := q.InsertAuditEvent(ctx, scope, event); err != nil {
		return fromRepository(err)
	}
	return nil
}
