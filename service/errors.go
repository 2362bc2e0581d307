package service

import (
	"errors"
	"fmt"

	"kmsmeta/repository"
)

// API error codes, spelled as Alibaba Cloud KMS spells them. The transport
// maps each code to its HTTP status.
const (
	CodeInvalidParameter    = "InvalidParameter"
	CodeMissingParameter    = "MissingParameter"
	CodeInvalidAction       = "InvalidAction.NotFound"
	CodeInvalidVersion      = "InvalidVersion"
	CodeKeyNotFound         = "Forbidden.KeyNotFound"
	CodeAliasNotFound       = "Forbidden.AliasNotFound"
	CodeAliasAlreadyExists  = "AliasAlreadyExists"
	CodeUnsupportedAlias    = "Unsupported.Alias"
	CodeStateModifiedFailed = "Rejected.StateModifiedFailed"
	CodePendingDeletion     = "Rejected.PendingDeletion"
	CodeLimitExceeded       = "Rejected.LimitExceeded"
	CodeThrottling          = "Rejected.Throttling"
	CodeServiceUnavailable  = "ServiceUnavailableTemporary"
	CodeInternalFailure     = "InternalFailure"
)

// API error codes of request authentication.
const (
	CodeAccessKeyNotFound     = "InvalidAccessKeyId.NotFound"
	CodeAccessKeyInactive     = "InvalidAccessKeyId.Inactive"
	CodeSignatureDoesNotMatch = "SignatureDoesNotMatch"
	CodeIncompleteSignature   = "IncompleteSignature"
	CodeTimestampExpired      = "InvalidTimeStamp.Expired"
	CodeTimestampFormat       = "InvalidTimeStamp.Format"
	CodeSignatureNonceUsed    = "SignatureNonceUsed"
)

// Error is an API error: a code from the list above and a message for the
// client. Cause, when set, is the internal error behind it; it is for the log
// line and never reaches the client.
type Error struct {
	Code    string
	Message string
	Cause   error
}

func (e *Error) Error() string {
	if e.Cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error {
	return e.Cause
}

// ErrorCode returns the API error code of err, or CodeInternalFailure when err
// is not an *Error.
func ErrorCode(err error) string {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Code
	}
	return CodeInternalFailure
}

// InvalidParameter reports a parameter whose value breaks its rule.
func InvalidParameter(name, rule string) *Error {
	return &Error{
		Code:    CodeInvalidParameter,
		Message: fmt.Sprintf("The specified parameter %q is not valid: %s", name, rule),
	}
}

// MissingParameter reports a required parameter that is missing or empty.
func MissingParameter(name string) *Error {
	return &Error{
		Code:    CodeMissingParameter,
		Message: fmt.Sprintf("The parameter %q is needed but not provided.", name),
	}
}

func keyNotFound() *Error {
	return &Error{Code: CodeKeyNotFound, Message: "The specified Key is not found."}
}

func aliasNotFound() *Error {
	return &Error{Code: CodeAliasNotFound, Message: "The specified Alias is not found."}
}

func aliasAlreadyExists() *Error {
	return &Error{Code: CodeAliasAlreadyExists, Message: "AliasName Already Exists."}
}

func unsupportedAlias() *Error {
	return &Error{
		Code:    CodeUnsupportedAlias,
		Message: `The parameter "KeyId" does not accept an alias in this operation; give a key ID or key ARN.`,
	}
}

func stateModifiedFailed(state string) *Error {
	return &Error{
		Code:    CodeStateModifiedFailed,
		Message: fmt.Sprintf("The operation is not allowed while the key is %s.", state),
	}
}

func pendingDeletion() *Error {
	return &Error{
		Code:    CodePendingDeletion,
		Message: "The key is pending deletion; cancel the deletion (CancelKeyDeletion) first.",
	}
}

// fromRepository turns an error that the service did not expect into an API
// error: ServiceUnavailableTemporary when the database could not serve, and
// InternalFailure otherwise. The cause stays attached for the log.
func fromRepository(err error) error {
	if errors.Is(err, repository.ErrUnavailable) {
		return &Error{Code: CodeServiceUnavailable, Message: "Service Unavailable Temporary.", Cause: err}
	}
	return &Error{Code: CodeInternalFailure, Message: "Internal Failure.", Cause: err}
}

// foundKey turns the result of a key lookup into API errors: a missing key
// is Forbidden.KeyNotFound, and so is a key whose DeleteDate has passed,
// because it is deleted for good even before the deletion worker removes
// its row. Otherwise CancelKeyDeletion could bring it back.
func (s *Service) foundKey(key repository.Key, err error) (repository.Key, error) {
	if errors.Is(err, repository.ErrNotFound) {
		return repository.Key{}, keyNotFound()
	}
	if err != nil {
		return repository.Key{}, fromRepository(err)
	}
	if key.DeleteDate != nil && !key.DeleteDate.After(s.now()) {
		return repository.Key{}, keyNotFound()
	}
	return key, nil
}

// foundAlias turns the result of an alias lookup into API errors: a missing
// alias is Forbidden.AliasNotFound.
func foundAlias(alias repository.Alias, err error) (repository.Alias, error) {
	if errors.Is(err, repository.ErrNotFound) {
		return repository.Alias{}, aliasNotFound()
	}
	if err != nil {
		return repository.Alias{}, fromRepository(err)
	}
	return alias, nil
}
