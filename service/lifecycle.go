package service

import (
	"context"
	"time"

	"kmsmeta/repository"
)

// Key-state actions, by their API names.
const (
	ActionEnableKey           = "EnableKey"
	ActionDisableKey          = "DisableKey"
	ActionScheduleKeyDeletion = "ScheduleKeyDeletion"
	ActionCancelKeyDeletion   = "CancelKeyDeletion"
)

// stateTransitions gives, for each key-state action, the state that a key
// in each allowed state moves to. A state missing from an action's map is
// rejected with 409 Rejected.StateModifiedFailed. Enabling an Enabled key
// and disabling a Disabled key succeed without a change.
var stateTransitions = map[string]map[string]string{
	ActionEnableKey: {
		StateEnabled:  StateEnabled,
		StateDisabled: StateEnabled,
	},
	ActionDisableKey: {
		StateEnabled:  StateDisabled,
		StateDisabled: StateDisabled,
	},
	ActionScheduleKeyDeletion: {
		StateEnabled:       StatePendingDeletion,
		StateDisabled:      StatePendingDeletion,
		StatePendingImport: StatePendingDeletion,
	},
	ActionCancelKeyDeletion: {
		StatePendingDeletion: StateEnabled,
	},
}

// Range of ScheduleKeyDeletion's PendingWindowInDays.
const (
	minPendingWindowDays = 7
	maxPendingWindowDays = 366
)

// KeyStateInput holds the parameters of EnableKey, DisableKey,
// ScheduleKeyDeletion and CancelKeyDeletion. PendingWindowInDays is used by
// ScheduleKeyDeletion only.
type KeyStateInput struct {
	KeyID               string
	PendingWindowInDays string
}

// EnableKey makes a Disabled key Enabled.
func (s *Service) EnableKey(ctx context.Context, scope Scope, in KeyStateInput) error {
	return s.changeKeyState(ctx, scope, ActionEnableKey, in.KeyID, nil)
}

// DisableKey makes an Enabled key Disabled.
func (s *Service) DisableKey(ctx context.Context, scope Scope, in KeyStateInput) error {
	return s.changeKeyState(ctx, scope, ActionDisableKey, in.KeyID, nil)
}

// ScheduleKeyDeletion puts a key in PendingDeletion; it is deleted for good,
// with its aliases, PendingWindowInDays × 24 hours later unless the deletion
// is cancelled.
func (s *Service) ScheduleKeyDeletion(ctx context.Context, scope Scope, in KeyStateInput) error {
	if in.KeyID == "" {
		return MissingParameter("KeyId")
	}
	if in.PendingWindowInDays == "" {
		return MissingParameter("PendingWindowInDays")
	}
	days, ok := parseDecimal(in.PendingWindowInDays, minPendingWindowDays, maxPendingWindowDays)
	if !ok {
		return InvalidParameter("PendingWindowInDays", "it must be an integer from 7 to 366.")
	}

	deleteDate := s.now().UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour)
	return s.changeKeyState(ctx, scope, ActionScheduleKeyDeletion, in.KeyID, &deleteDate)
}

// CancelKeyDeletion returns a key in PendingDeletion to Enabled.
func (s *Service) CancelKeyDeletion(ctx context.Context, scope Scope, in KeyStateInput) error {
	return s.changeKeyState(ctx, scope, ActionCancelKeyDeletion, in.KeyID, nil)
}

// changeKeyState applies action's row of stateTransitions to the key that
// rawKeyID names. deleteDate is stored with the new state and must be set
// exactly when that state is PendingDeletion.
func (s *Service) changeKeyState(ctx context.Context, scope Scope, action, rawKeyID string, deleteDate *time.Time) error {
	if rawKeyID == "" {
		return MissingParameter("KeyId")
	}
	ref, err := parseTargetKey(scope, rawKeyID)
	if err != nil {
		return err
	}

	return s.inTx(ctx, func(q *repository.Queries) error {
		key, err := s.foundKey(q.GetKeyForUpdate(ctx, scope, ref.keyID))
		if err != nil {
			return err
		}

		next, allowed := stateTransitions[action][key.State]
		if !allowed {
			return stateModifiedFailed(key.State)
		}
		if next == key.State {
			return nil
		}

		if _, err := q.UpdateKeyState(ctx, scope, key.KeyID, next, deleteDate); err != nil {
			return fromRepository(err)
		}
		newValue := map[string]any{"KeyState": next}
		if deleteDate != nil {
			newValue["DeleteDate"] = deleteDate.Format(time.RFC3339)
		}
		oldValue := map[string]any{"KeyState": key.State}
		if key.DeleteDate != nil {
			oldValue["DeleteDate"] = key.DeleteDate.UTC().Format(time.RFC3339)
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action: action, KeyID: key.KeyID, OldValue: oldValue, NewValue: newValue,
		})
	})
}

// UpdateKeyDescriptionInput holds the parameters of UpdateKeyDescription.
type UpdateKeyDescriptionInput struct {
	KeyID       string
	Description string
}

// UpdateKeyDescription replaces a key's description.
func (s *Service) UpdateKeyDescription(ctx context.Context, scope Scope, in UpdateKeyDescriptionInput) error {
	if in.KeyID == "" {
		return MissingParameter("KeyId")
	}
	if in.Description == "" {
		return MissingParameter("Description")
	}
	if err := validateDescription(in.Description); err != nil {
		return err
	}
	ref, err := parseTargetKey(scope, in.KeyID)
	if err != nil {
		return err
	}

	return s.inTx(ctx, func(q *repository.Queries) error {
		key, err := s.foundKey(q.GetKeyForUpdate(ctx, scope, ref.keyID))
		if err != nil {
			return err
		}
		if key.State == StatePendingDeletion {
			return pendingDeletion()
		}

		if _, err := q.UpdateKeyDescription(ctx, scope, key.KeyID, in.Description); err != nil {
			return fromRepository(err)
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action:   "UpdateKeyDescription",
			KeyID:    key.KeyID,
			OldValue: map[string]any{"Description": key.Description},
			NewValue: map[string]any{"Description": in.Description},
		})
	})
}

// parseTargetKey reads a KeyId parameter of an operation that acts on a
// key itself, where an alias is not accepted.
func parseTargetKey(scope Scope, raw string) (keyRef, error) {
	ref := parseKeyRef(scope, raw)
	if ref.isAlias() {
		return keyRef{}, unsupportedAlias()
	}
	if ref.foreign {
		return keyRef{}, keyNotFound()
	}
	return ref, nil
}
