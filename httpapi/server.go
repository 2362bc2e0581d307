// Package httpapi is the RPC transport of the KMS API: it reads parameters
// from the query string and form body, routes by action, authenticates, and
// writes JSON or XML bodies. The API's rules live in package service.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"

	"kmsmeta/service"
)

// APIVersion is the only KMS API version this server speaks.
const APIVersion = "2016-01-20"

// DefaultMaxBodyBytes bounds a request body. A request of the largest
// CreateKey (an 8192-character description of 4-byte characters, URL
// encoded) fits with room to spare.
const DefaultMaxBodyBytes = 1 << 20

// Authenticator decides which account a request acts as.
type Authenticator interface {
	Authenticate(r *http.Request, p params, body []byte) (service.Scope, error)
}

// Config configures a Handler.
type Config struct {
	Service *service.Service

	// RegionID is the region this server serves, such as cn-hangzhou.
	RegionID string

	// Authenticator decides the account of each request.
	Authenticator Authenticator

	// Throttle, when set, limits the requests of each account; a request
	// over the limit is 429 Rejected.Throttling.
	Throttle *AccountThrottle

	// Ready reports whether the server can serve, for /readyz. Nil means
	// always ready.
	Ready func(ctx context.Context) error

	Logger *slog.Logger

	// MaxBodyBytes bounds request bodies; zero means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Handler serves the KMS RPC API on path "/" and health checks on /healthz
// (the process runs) and /readyz (the database responds).
type Handler struct {
	config  Config
	logger  *slog.Logger
	hostID  string
	actions map[string]action
}

// New returns a Handler for config.
func New(config Config) *Handler {
	if config.MaxBodyBytes == 0 {
		config.MaxBodyBytes = DefaultMaxBodyBytes
	}
	logger := config.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}

	return &Handler{
		config:  config,
		logger:  logger,
		hostID:  "kms." + config.RegionID + ".aliyuncs.com",
		actions: actions(),
	}
}

// call holds the transport's state for one API request.
type call struct {
	requestID string
	action    string
	format    responseFormat
	started   time.Time
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/healthz":
		h.serveHealth(w, r, nil)
		return
	case "/readyz":
		h.serveHealth(w, r, h.config.Ready)
		return
	}

	c := &call{requestID: uuid.NewString(), started: time.Now()}
	w.Header().Set("x-acs-request-id", c.requestID)

	response, err := h.serveAPI(r, c)
	if err != nil {
		h.writeError(w, r, c, err)
		return
	}

	body, contentType, err := encodeBody(c.format, c.action+"Response", response)
	if err != nil {
		h.writeError(w, r, c, err)
		return
	}
	writeBody(w, http.StatusOK, contentType, body)
	h.logger.Debug("HTTP API: request served",
		slog.String("request_id", c.requestID), slog.String("action", c.action),
		slog.Int("status", http.StatusOK), slog.Duration("duration", time.Since(c.started)))
}

// serveAPI checks the request in the order that gives each request one
// predictable error: path and method, parameters, format, action and
// version, region, authentication, throttling, then the action itself.
func (h *Handler) serveAPI(r *http.Request, c *call) (any, error) {
	if r.URL.Path != "/" || (r.Method != http.MethodGet && r.Method != http.MethodPost) {
		return nil, actionNotFound()
	}

	p, body, err := readParams(r, h.config.MaxBodyBytes)
	if err != nil {
		return nil, err
	}

	c.format, err = parseFormat(p.get("Format"))
	if err != nil {
		return nil, service.InvalidParameter("Format", "it must be JSON or XML.")
	}

	c.action, err = actionName(r, p)
	if err != nil {
		return nil, err
	}
	if err := checkVersion(r, p); err != nil {
		return nil, err
	}

	run, known := h.actions[c.action]
	if !known {
		return nil, actionNotFound()
	}

	if region := p.get("RegionId"); region != "" && region != h.config.RegionID {
		return nil, service.InvalidParameter("RegionId", "this endpoint serves region "+h.config.RegionID+" only.")
	}

	scope, err := h.config.Authenticator.Authenticate(r, p, body)
	if err != nil {
		return nil, err
	}
	if h.config.Throttle != nil {
		if err := h.config.Throttle.Allow(scope.AccountID); err != nil {
			return nil, err
		}
	}

	ctx := service.WithRequestID(r.Context(), c.requestID)
	return run(ctx, h.config.Service, scope, p, c.requestID)
}

// actionName reads the action from the Action parameter (signature V1
// clients) or the x-acs-action header (signature V3 clients).
func actionName(r *http.Request, p params) (string, error) {
	fromParam := p.get("Action")
	fromHeader := r.Header.Get("x-acs-action")
	if fromParam != "" && fromHeader != "" && fromParam != fromHeader {
		return "", service.InvalidParameter("Action", "it differs from the x-acs-action header.")
	}

	if fromParam != "" {
		return fromParam, nil
	}
	if fromHeader != "" {
		return fromHeader, nil
	}
	return "", service.MissingParameter("Action")
}

func checkVersion(r *http.Request, p params) error {
	version := p.get("Version")
	if version == "" {
		version = r.Header.Get("x-acs-version")
	}

	switch version {
	case APIVersion:
		return nil
	case "":
		return service.MissingParameter("Version")
	default:
		return &service.Error{Code: service.CodeInvalidVersion, Message: "Specified parameter Version is not valid."}
	}
}

func actionNotFound() *service.Error {
	return &service.Error{
		Code:    service.CodeInvalidAction,
		Message: "Specified api is not found, please check your url and method.",
	}
}

// writeError writes the error body of err. An error that is not an API error
// becomes InternalFailure. A 5xx body never carries the cause; the log line
// does.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var apiErr *service.Error
	if !errors.As(err, &apiErr) {
		apiErr = &service.Error{Code: service.CodeInternalFailure, Message: "Internal Failure.", Cause: err}
	}
	status := statusOf(apiErr.Code)

	attributes := []any{
		slog.String("request_id", c.requestID), slog.String("action", c.action),
		slog.Int("status", status), slog.String("code", apiErr.Code),
		slog.Duration("duration", time.Since(c.started)),
	}
	switch {
	case status >= http.StatusInternalServerError && r.Context().Err() != nil:
		// The client hung up and cancelled the query; nothing is broken.
		h.logger.Info("HTTP API: client closed the request", append(attributes, slog.Any("error", err))...)
	case status >= http.StatusInternalServerError:
		h.logger.Error("HTTP API: request failed", append(attributes, slog.Any("error", err))...)
	default:
		h.logger.Info("HTTP API: request rejected", append(attributes, slog.String("message", apiErr.Message))...)
	}

	response := errorBody{
		RequestID:  c.requestID,
		HostID:     h.hostID,
		Code:       apiErr.Code,
		Message:    apiErr.Message,
		Recommend:  "",
		HTTPStatus: status,
	}

	body, contentType, encodeErr := encodeBody(c.format, "Error", response)
	if encodeErr != nil {
		// The error body has only strings and a number, so this is a bug.
		h.logger.Error("HTTP API: encode error body", slog.String("request_id", c.requestID), slog.Any("error", encodeErr))
		http.Error(w, "Internal Failure.", http.StatusInternalServerError)
		return
	}
	writeBody(w, status, contentType, body)
}

func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request, check func(context.Context) error) {
	if check != nil {
		if err := check(r.Context()); err != nil {
			h.logger.Warn("HTTP API: readiness check failed", slog.Any("error", err))
			writeBody(w, http.StatusServiceUnavailable, "text/plain;charset=utf-8", []byte("unavailable\n"))
			return
		}
	}
	writeBody(w, http.StatusOK, "text/plain;charset=utf-8", []byte("ok\n"))
}
