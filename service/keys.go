package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"kmsmeta/repository"
)

// Key states.
const (
	StateEnabled         = "Enabled"
	StateDisabled        = "Disabled"
	StatePendingDeletion = "PendingDeletion"
	StatePendingImport   = "PendingImport"
)

// Values of KeyUsage, Origin and ProtectionLevel.
const (
	UsageEncryptDecrypt = "ENCRYPT/DECRYPT"
	UsageSignVerify     = "SIGN/VERIFY"

	OriginKMS      = "Aliyun_KMS"
	OriginExternal = "EXTERNAL"

	ProtectionSoftware = "SOFTWARE"
	ProtectionHSM      = "HSM"
)

// keySpecUsages lists each KeySpec with the KeyUsage values it allows. Only
// the symmetric specs (Aliyun_*) support automatic rotation and imported
// material.
var keySpecUsages = map[string][]string{
	"Aliyun_AES_256": {UsageEncryptDecrypt},
	"Aliyun_AES_128": {UsageEncryptDecrypt},
	"Aliyun_AES_192": {UsageEncryptDecrypt},
	"Aliyun_SM4":     {UsageEncryptDecrypt},
	"RSA_2048":       {UsageEncryptDecrypt, UsageSignVerify},
	"RSA_3072":       {UsageEncryptDecrypt, UsageSignVerify},
	"EC_P256":        {UsageSignVerify},
	"EC_P256K":       {UsageSignVerify},
	"EC_SM2":         {UsageEncryptDecrypt, UsageSignVerify},
}

func isSymmetric(spec string) bool {
	return strings.HasPrefix(spec, "Aliyun_")
}

// Limits of CreateKey's parameters.
const (
	maxDescriptionLength = 8192
	minRotationInterval  = 7 * 24 * time.Hour
	maxRotationInterval  = 730 * 24 * time.Hour
)

// KeyMetadata is a key as DescribeKey and CreateKey return it.
type KeyMetadata struct {
	KeyID             string
	ARN               string
	KeyState          string
	KeySpec           string
	KeyUsage          string
	Origin            string
	ProtectionLevel   string
	Description       string
	Creator           string
	CreationDate      time.Time
	DeleteDate        *time.Time // only while PendingDeletion
	AutomaticRotation bool
	RotationInterval  time.Duration // only when AutomaticRotation
	LastRotationDate  time.Time
	NextRotationDate  *time.Time // only when AutomaticRotation
	PrimaryKeyVersion string
}

func keyMetadata(scope Scope, key repository.Key) KeyMetadata {
	metadata := KeyMetadata{
		KeyID:             key.KeyID,
		ARN:               key.ARN,
		KeyState:          key.State,
		KeySpec:           key.Spec,
		KeyUsage:          key.Usage,
		Origin:            key.Origin,
		ProtectionLevel:   key.ProtectionLevel,
		Description:       key.Description,
		Creator:           scope.AccountID,
		CreationDate:      key.CreationDate,
		DeleteDate:        key.DeleteDate,
		AutomaticRotation: key.AutomaticRotation,
		LastRotationDate:  key.LastRotationDate,
		PrimaryKeyVersion: key.PrimaryKeyVersion,
	}
	if key.AutomaticRotation {
		metadata.RotationInterval = key.RotationInterval
		next := key.LastRotationDate.Add(key.RotationInterval)
		metadata.NextRotationDate = &next
	}
	return metadata
}

// CreateKeyInput holds the parameters of CreateKey as the client sent them;
// an empty string means "not given".
type CreateKeyInput struct {
	Description             string
	KeySpec                 string
	KeyUsage                string
	Origin                  string
	ProtectionLevel         string
	EnableAutomaticRotation string
	RotationInterval        string
	Tags                    string
}

// CreateKey creates a key's metadata. No key material is made or stored.
func (s *Service) CreateKey(ctx context.Context, scope Scope, in CreateKeyInput) (KeyMetadata, error) {
	newKey, err := s.validateCreateKey(in)
	if err != nil {
		return KeyMetadata{}, err
	}
	tags, err := parseTags(in.Tags)
	if err != nil {
		return KeyMetadata{}, err
	}

	var created repository.Key
	err = s.inTx(ctx, func(q *repository.Queries) error {
		if err := q.EnsureAccount(ctx, scope.AccountID); err != nil {
			return fromRepository(err)
		}
		if err := checkQuota(ctx, q, scope, "keys", s.limits.MaxKeysPerAccount, q.CountKeys); err != nil {
			return err
		}

		created, err = q.InsertKey(ctx, scope, newKey)
		if err != nil {
			return fromRepository(err)
		}
		if err := q.InsertKeyTags(ctx, scope, created.KeyID, tags); err != nil {
			return fromRepository(err)
		}
		return s.audit(ctx, q, scope, repository.AuditEvent{
			Action: "CreateKey",
			KeyID:  created.KeyID,
			NewValue: map[string]any{
				"KeyState": created.State, "KeySpec": created.Spec, "KeyUsage": created.Usage,
				"Origin": created.Origin, "ProtectionLevel": created.ProtectionLevel,
				"Description": created.Description, "AutomaticRotation": created.AutomaticRotation,
			},
		})
	})
	if err != nil {
		return KeyMetadata{}, err
	}
	return keyMetadata(scope, created), nil
}

// validateCreateKey applies the defaults and checks every parameter and
// their combinations before anything is written.
func (s *Service) validateCreateKey(in CreateKeyInput) (repository.NewKey, error) {
	key := repository.NewKey{
		KeyID:             uuid.NewString(),
		State:             StateEnabled,
		Spec:              valueOr(in.KeySpec, "Aliyun_AES_256"),
		Usage:             valueOr(in.KeyUsage, UsageEncryptDecrypt),
		Origin:            valueOr(in.Origin, OriginKMS),
		ProtectionLevel:   valueOr(in.ProtectionLevel, ProtectionSoftware),
		Description:       in.Description,
		PrimaryKeyVersion: uuid.NewString(),
		CreationDate:      s.now().UTC().Truncate(time.Second),
	}

	if err := validateDescription(key.Description); err != nil {
		return repository.NewKey{}, err
	}

	usages, ok := keySpecUsages[key.Spec]
	if !ok {
		return repository.NewKey{}, InvalidParameter("KeySpec",
			"it must be one of Aliyun_AES_256, Aliyun_AES_128, Aliyun_AES_192, Aliyun_SM4, RSA_2048, RSA_3072, EC_P256, EC_P256K and EC_SM2.")
	}
	if !slices.Contains(usages, key.Usage) {
		return repository.NewKey{}, InvalidParameter("KeyUsage",
			fmt.Sprintf("KeySpec %s allows only %v.", key.Spec, usages))
	}

	switch key.Origin {
	case OriginKMS:
	case OriginExternal:
		if !isSymmetric(key.Spec) {
			return repository.NewKey{}, InvalidParameter("Origin", "EXTERNAL is allowed only for symmetric KeySpec values (Aliyun_*).")
		}
		key.State = StatePendingImport
	default:
		return repository.NewKey{}, InvalidParameter("Origin", "it must be Aliyun_KMS or EXTERNAL.")
	}

	if key.ProtectionLevel != ProtectionSoftware && key.ProtectionLevel != ProtectionHSM {
		return repository.NewKey{}, InvalidParameter("ProtectionLevel", "it must be SOFTWARE or HSM.")
	}

	rotation, err := parseRotation(in.EnableAutomaticRotation, in.RotationInterval)
	if err != nil {
		return repository.NewKey{}, err
	}
	if rotation > 0 && (!isSymmetric(key.Spec) || key.Origin == OriginExternal) {
		return repository.NewKey{}, InvalidParameter("EnableAutomaticRotation",
			"automatic rotation is supported only for symmetric keys with Origin Aliyun_KMS.")
	}
	key.AutomaticRotation = rotation > 0
	key.RotationInterval = rotation
	return key, nil
}

// rotationIntervalPattern matches RotationInterval values such as "7d",
// "168h" or "31536000s".
var rotationIntervalPattern = regexp.MustCompile(`^([0-9]{1,9})([dhms])$`)

// parseRotation returns the rotation interval, or zero when automatic
// rotation stays off. RotationInterval is required when rotation is enabled
// and must lie from 7 to 730 days.
func parseRotation(enable, interval string) (time.Duration, error) {
	switch enable {
	case "", "false":
		if interval != "" {
			return 0, InvalidParameter("RotationInterval", "it is allowed only when EnableAutomaticRotation is true.")
		}
		return 0, nil
	case "true":
	default:
		return 0, InvalidParameter("EnableAutomaticRotation", "it must be true or false.")
	}

	if interval == "" {
		return 0, MissingParameter("RotationInterval")
	}
	match := rotationIntervalPattern.FindStringSubmatch(interval)
	if match == nil {
		return 0, InvalidParameter("RotationInterval", `it must be an integer followed by a unit d, h, m or s, such as "365d".`)
	}

	count, _ := strconv.ParseInt(match[1], 10, 64) // rotationIntervalPattern admits 1 to 9 digits, which always parse
	unit := map[string]time.Duration{"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second}[match[2]]

	// Compare the count before multiplying, because 9 digits of days
	// overflow a time.Duration and could wrap into the valid range.
	if count > int64(maxRotationInterval/unit) {
		return 0, InvalidParameter("RotationInterval", "it must be from 7 to 730 days.")
	}
	duration := time.Duration(count) * unit
	if duration < minRotationInterval {
		return 0, InvalidParameter("RotationInterval", "it must be from 7 to 730 days.")
	}
	return duration, nil
}

// DescribeKeyInput holds the parameters of DescribeKey.
type DescribeKeyInput struct {
	KeyID string
}

// DescribeKey returns a key's metadata. KeyId may be a key ID, a key ARN, an
// alias name or an alias ARN; the result always carries the bare key ID.
func (s *Service) DescribeKey(ctx context.Context, scope Scope, in DescribeKeyInput) (KeyMetadata, error) {
	if in.KeyID == "" {
		return KeyMetadata{}, MissingParameter("KeyId")
	}

	key, err := s.resolveKey(ctx, &s.store.Queries, scope, parseKeyRef(scope, in.KeyID))
	if err != nil {
		return KeyMetadata{}, err
	}
	return keyMetadata(scope, key), nil
}

// resolveKey looks up the key that ref names, through its alias where ref is
// one. A missing alias is Forbidden.AliasNotFound; a missing key, or an ARN of
// another account or region, is Forbidden.KeyNotFound.
func (s *Service) resolveKey(ctx context.Context, q *repository.Queries, scope Scope, ref keyRef) (repository.Key, error) {
	if ref.foreign {
		if ref.isAlias() {
			return repository.Key{}, aliasNotFound()
		}
		return repository.Key{}, keyNotFound()
	}

	if !ref.isAlias() {
		return s.foundKey(q.GetKey(ctx, scope, ref.keyID))
	}

	alias, err := foundAlias(q.GetAlias(ctx, scope, ref.aliasName))
	if err != nil {
		return repository.Key{}, err
	}
	key, err := s.foundKey(q.GetKey(ctx, scope, alias.KeyID))
	if ErrorCode(err) == CodeKeyNotFound {
		// The alias goes with its key when the key is deleted.
		return repository.Key{}, aliasNotFound()
	}
	return key, err
}

func validateDescription(description string) error {
	if utf8.RuneCountInString(description) > maxDescriptionLength {
		return InvalidParameter("Description",
			fmt.Sprintf("it must be at most %d characters long.", maxDescriptionLength))
	}
	if !utf8.ValidString(description) || strings.ContainsRune(description, 0) {
		return InvalidParameter("Description", "it must be valid UTF-8 text without NUL characters.")
	}
	return nil
}

func valueOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}
