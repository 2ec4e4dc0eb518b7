package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/alibabacloud-go/tea/tea"
)

// CallError is a failed API call: which action, and why.
type CallError struct {
	Action string
	Err    error
}

func (e *CallError) Error() string { return e.Action + ": " + e.Err.Error() }
func (e *CallError) Unwrap() error { return e.Err }

// APIError is an error answered by Alibaba Cloud with its error envelope.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	RequestID  string
	// AuthAction is AccessDeniedDetail.AuthAction of a permission error:
	// the RAM action that was denied (vpc:DownloadVpnConnectionConfig).
	AuthAction string
}

func (e *APIError) Error() string {
	msg := strings.TrimSpace(e.Message)
	// SignatureDoesNotMatch quotes the server's string to sign: long and of
	// no use to a reader (and it is never the secret).
	if i := strings.Index(msg, "server string to sign is"); i >= 0 {
		msg = strings.TrimRight(strings.TrimSpace(msg[:i]), ":,")
	}
	s := e.Code
	if msg != "" {
		s += ": " + msg
	}
	var meta []string
	if e.StatusCode != 0 {
		meta = append(meta, fmt.Sprintf("HTTP %d", e.StatusCode))
	}
	if e.RequestID != "" {
		meta = append(meta, "request id "+e.RequestID)
	}
	if len(meta) > 0 {
		s += " (" + strings.Join(meta, ", ") + ")"
	}
	return s
}

// NetworkError is a failure to get any answer: connection refused or
// reset, timeout, a connection dropped mid-response.
type NetworkError struct{ Err error }

func (e *NetworkError) Error() string { return "network error: " + e.Err.Error() }
func (e *NetworkError) Unwrap() error { return e.Err }

// sdkError is what the SDK's ClientError, ServerError and ThrottlingError
// have in common.
type sdkError interface {
	GetStatusCode() *int
	GetCode() *string
	GetRequestId() *string
	GetData() map[string]interface{}
}

// classify turns an SDK error into an *APIError or a *NetworkError, or
// returns it unchanged.
func classify(err error) error {
	var se sdkError
	if errors.As(err, &se) {
		e := &APIError{
			StatusCode: tea.IntValue(se.GetStatusCode()),
			Code:       tea.StringValue(se.GetCode()),
			RequestID:  tea.StringValue(se.GetRequestId()),
		}
		data := se.GetData()
		if m, ok := data["Message"].(string); ok {
			e.Message = m
		} else if m, ok := data["message"].(string); ok {
			e.Message = m
		}
		if d, ok := data["AccessDeniedDetail"].(map[string]interface{}); ok {
			e.AuthAction, _ = d["AuthAction"].(string)
		}
		return e
	}
	var te *tea.SDKError
	if errors.As(err, &te) && tea.StringValue(te.Code) != "" {
		return &APIError{StatusCode: tea.IntValue(te.StatusCode), Code: tea.StringValue(te.Code), Message: tea.StringValue(te.Message)}
	}
	if isNetwork(err) {
		return &NetworkError{Err: err}
	}
	return err
}

func isNetwork(err error) bool {
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	switch {
	case errors.As(err, &ue), errors.As(err, &ne), errors.As(err, &oe):
		return true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// Retryable reports whether a call that failed with err may succeed if
// repeated: throttling, ServiceUnavailable, InternalError and network
// errors. Signature, credential, permission and not-found errors are never
// retried: repeating them only burns the rate limit.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	switch Classify(err) {
	case KindThrottled, KindUnavailable, KindNetwork:
		return true
	}
	return false
}

// Throttled reports a Throttling* error.
func Throttled(err error) bool { return Classify(err) == KindThrottled }

// ErrorCode returns the API error Code of err, or "".
func ErrorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// Kind classifies a failed call by what the user can do about it. It is
// decided from Alibaba's error Code (the HTTP status of some codes varies
// by product, see docs/alibaba-api.md "Errors"), never from message text.
type Kind int

const (
	// KindOther is any error not listed below (a malformed response, a
	// parameter Alibaba refused).
	KindOther Kind = iota
	// KindAuthRejected: the request's signature or credentials were
	// refused. Every other call would fail the same way.
	KindAuthRejected
	// KindClock: the request's timestamp was refused (a wrong clock).
	// Every other call would fail the same way.
	KindClock
	// KindPermission: the RAM identity lacks a permission.
	KindPermission
	// KindConnectionNotFound: no such connection in this region.
	KindConnectionNotFound
	// KindGatewayNotFound: no such VPN gateway in this region.
	KindGatewayNotFound
	// KindThrottled: Throttling*; the call may succeed later.
	KindThrottled
	// KindUnavailable: ServiceUnavailable, InternalError or a 5xx without
	// an error envelope; the call may succeed later.
	KindUnavailable
	// KindNetwork: no answer at all; the call may succeed later.
	KindNetwork
)

// Classify returns the kind of a call's error.
func Classify(err error) Kind {
	if err == nil {
		return KindOther
	}
	var ne *NetworkError
	if errors.As(err, &ne) {
		return KindNetwork
	}
	var ae *APIError
	if !errors.As(err, &ae) {
		return KindOther
	}
	code := ae.Code
	switch {
	case code == "IllegalTimestamp":
		return KindClock
	case code == "SignatureDoesNotMatch", code == "IncompleteSignature", code == "SignatureNonceUsed",
		strings.HasPrefix(code, "InvalidAccessKeyId"), strings.HasPrefix(code, "InvalidSecurityToken"):
		return KindAuthRejected
	// "Forbbiden.SubUser" is Alibaba's own spelling of one documented code.
	case strings.HasPrefix(code, "Forbidden"), strings.HasPrefix(code, "Forbbiden"), code == "NoPermission":
		return KindPermission
	case strings.HasSuffix(code, ".NotFound") && strings.Contains(code, "VpnConnection"):
		return KindConnectionNotFound
	case strings.HasSuffix(code, ".NotFound") && strings.Contains(code, "VpnGateway"):
		return KindGatewayNotFound
	case strings.HasPrefix(code, "Throttling"):
		return KindThrottled
	case strings.HasPrefix(code, "ServiceUnavailable"), strings.HasPrefix(code, "InternalError"),
		code == "" && ae.StatusCode >= 500:
		// No envelope at all: a proxy or load balancer answered, not the
		// API; treat it like a network error.
		return KindUnavailable
	}
	return KindOther
}

// Fatal reports an error that every other call of the run would repeat
// (credentials or clock refused): a batch stops attempting connections.
func (k Kind) Fatal() bool { return k == KindAuthRejected || k == KindClock }

// ExplainContext is what Explain needs to say what to do: never a secret.
type ExplainContext struct {
	Region string
	// ConnectionID is the connection the call was about ("" for a list).
	ConnectionID string
	// GatewayID is the --vpn-gateway filter of a list, if any.
	GatewayID string
	// CredentialSource says where the credentials came from.
	CredentialSource string
	// Endpoint is the API endpoint URL.
	Endpoint string
}

// Explain turns a call's error into one a user can act on: it keeps the
// action and Alibaba's code and message, and adds what to do (which RAM
// permission is missing on which resource, that the connection is in
// another region, where the rejected credentials came from).
func Explain(err error, x ExplainContext) error {
	var ce *CallError
	action := ""
	if errors.As(err, &ce) {
		action = ce.Action
	}
	resource := fmt.Sprintf("acs:vpc:%s:*:vpnconnection/%s", x.Region, x.ConnectionID)
	if x.ConnectionID == "" {
		resource = fmt.Sprintf("acs:vpc:%s:*:vpnconnection/*", x.Region)
	}
	switch Classify(err) {
	case KindAuthRejected:
		return fmt.Errorf("%w\n(the request was signed with credentials from %s; check that AccessKey ID and secret belong together and are active)", err, x.CredentialSource)
	case KindClock:
		return fmt.Errorf("%w\n(the request was signed with credentials from %s; check that AccessKey ID and secret belong together and are active, and that this machine's clock is right)", err, x.CredentialSource)
	case KindPermission:
		perm := "vpc:" + action
		var ae *APIError
		if errors.As(err, &ae) && ae.AuthAction != "" {
			perm = ae.AuthAction // what Alibaba says was denied
		} else if action == "" {
			perm = "vpc:" + ActionDownload + " and vpc:" + ActionDescribe
		}
		return fmt.Errorf("%w\n(the RAM identity from %s lacks %s on %s; grant it, e.g. with the AliyunVPCReadOnlyAccess policy)", err, x.CredentialSource, perm, resource)
	case KindConnectionNotFound:
		return fmt.Errorf("%w\n(connection %s is not in region %s; check the ID, or pass the region it is in with --region)", err, x.ConnectionID, x.Region)
	case KindGatewayNotFound:
		return fmt.Errorf("%w\n(VPN gateway %s is not in region %s; check --vpn-gateway and --region)", err, x.GatewayID, x.Region)
	case KindThrottled:
		return fmt.Errorf("%w\n(the API kept throttling; lower --concurrency or try again later)", err)
	case KindNetwork:
		return fmt.Errorf("%w\n(cannot talk to %s; check the network, a proxy, or --endpoint)", err, x.Endpoint)
	}
	return err
}
