package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
)

// APIVersion is the VPC OpenAPI version every call uses.
const APIVersion = "2016-04-28"

// Actions called by vpnexport, named as in Alibaba's API reference and
// RAM policies (vpc:<Action>).
const (
	ActionDownload       = "DownloadVpnConnectionConfig"
	ActionDescribe       = "DescribeVpnConnection"
	ActionDescribeList   = "DescribeVpnConnections"
	MaxDescribePageSize  = 50
	defaultTimeoutMillis = 30_000
)

// Source is what export needs from Alibaba Cloud: one connection's
// download and description, and the list of connections in the region.
// Every result carries the raw response body so it can be saved and
// re-rendered offline.
type Source interface {
	DownloadVpnConnectionConfig(ctx context.Context, id string) (*Download, error)
	DescribeVpnConnection(ctx context.Context, id string) (*Description, error)
	DescribeVpnConnections(ctx context.Context, q ListQuery) (*ConnectionPage, error)
}

// Download is a DownloadVpnConnectionConfig result.
type Download struct {
	Config *VpnConnectionConfig
	Raw    []byte
}

// Description is a DescribeVpnConnection result.
type Description struct {
	Connection *VpnConnection
	Raw        []byte
}

// ListQuery selects one page of DescribeVpnConnections.
type ListQuery struct {
	VpnGatewayID string
	PageNumber   int // 1-based
	PageSize     int // 1-50
}

// ConnectionPage is one page of DescribeVpnConnections.
type ConnectionPage struct {
	TotalCount  int
	PageNumber  int
	PageSize    int
	Connections []VpnConnection
	// Raw holds each connection's JSON object as listed, in the same
	// order, so it can be saved like a DescribeVpnConnection response.
	Raw []json.RawMessage
}

// ClientConfig configures the SDK-backed Source.
type ClientConfig struct {
	// Region is the region ID, sent as RegionId with every call.
	Region string
	// Endpoint overrides vpc.<Region>.aliyuncs.com: a host name
	// (vpc-vpc.cn-shanghai.aliyuncs.com) or a URL with scheme
	// (http://127.0.0.1:8080 for tests).
	Endpoint string
	// Credential signs the requests (see ResolveCredentials).
	Credential credentials.Credential
	// Timeout bounds one HTTP exchange; 0 means 30 s.
	Timeout time.Duration
	// MaxConns is the number of idle connections kept to the endpoint;
	// set it to the batch concurrency so workers reuse connections.
	MaxConns int
}

// Client is the Source backed by Alibaba's official darabonba-openapi
// client: RPC style, version 2016-04-28, ACS3-HMAC-SHA256 signatures (the
// SDK's default). It makes exactly one HTTP request per call; retries are
// Retrying's job, so that they can be classified and counted in one place.
type Client struct {
	// sdks holds SDK clients, one per call in flight: openapi.Client is not
	// safe for concurrent RPC calls (GetRpcHeaders clears a field on every
	// call, a data race under -race), and a client is a small struct.
	sdks     sync.Pool
	region   string
	endpoint string
	protocol string
}

// DefaultEndpoint is the public VPC endpoint of a region. The SDK's own
// endpoint map still sends cn-hangzhou and some other regions to the
// central vpc.aliyuncs.com, so vpnexport always sets it explicitly.
func DefaultEndpoint(region string) string { return "vpc." + region + ".aliyuncs.com" }

// NewClient builds the SDK client.
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.Region == "" {
		return nil, errors.New("client: no region")
	}
	if cfg.Credential == nil {
		return nil, errors.New("client: no credentials")
	}
	host, protocol, err := splitEndpoint(cfg.Endpoint, cfg.Region)
	if err != nil {
		return nil, err
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = defaultTimeoutMillis * time.Millisecond
	}
	conns := cfg.MaxConns
	if conns < 2 {
		conns = 2
	}
	cfgSDK := &openapi.Config{
		Credential:     cfg.Credential,
		Endpoint:       tea.String(host),
		Protocol:       tea.String(protocol),
		RegionId:       tea.String(cfg.Region),
		Method:         tea.String("POST"),
		UserAgent:      tea.String("vpnexport"),
		ConnectTimeout: tea.Int(int(min(timeout, 10*time.Second) / time.Millisecond)),
		ReadTimeout:    tea.Int(int(timeout / time.Millisecond)),
		HttpClient:     newHTTPClient(conns, timeout),
	}
	newSDK := func() (*openapi.Client, error) {
		sdk, err := openapi.NewClient(cfgSDK)
		if err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
		// Typed ClientError/ServerError/ThrottlingError keep the API's Code
		// and Message apart; the default wraps them into one SDKError.
		sdk.DisableSDKError = tea.Bool(true)
		return sdk, nil
	}
	first, err := newSDK()
	if err != nil {
		return nil, err
	}
	c := &Client{region: cfg.Region, endpoint: host, protocol: protocol}
	c.sdks.New = func() any {
		sdk, _ := newSDK() // fails only for a nil config
		return sdk
	}
	c.sdks.Put(first)
	return c, nil
}

// Endpoint returns the URL the client talks to, for messages.
func (c *Client) Endpoint() string { return c.protocol + "://" + c.endpoint }

func splitEndpoint(endpoint, region string) (host, protocol string, err error) {
	if endpoint == "" {
		return DefaultEndpoint(region), "https", nil
	}
	if !strings.Contains(endpoint, "://") {
		if strings.ContainsAny(endpoint, "/?# ") {
			return "", "", fmt.Errorf("--endpoint %q: want a host name or http(s)://host[:port]", endpoint)
		}
		return endpoint, "https", nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return "", "", fmt.Errorf("--endpoint %q: want a host name or http(s)://host[:port]", endpoint)
	}
	return u.Host, u.Scheme, nil
}

// httpClient implements the SDK's HttpClient with one tuned transport: the
// SDK's default keeps two idle connections per host, so a batch of eight
// workers would keep opening new TLS connections. Proxies come from
// HTTPS_PROXY/NO_PROXY in the process environment (net/http reads them
// itself, not through getenv), as they would for the SDK.
type httpClient struct{ c *http.Client }

func newHTTPClient(conns int, timeout time.Duration) *httpClient {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          conns * 2,
		MaxIdleConnsPerHost:   conns * 2,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: timeout,
		ForceAttemptHTTP2:     true,
	}
	return &httpClient{c: &http.Client{Transport: tr, Timeout: timeout}}
}

// Call ignores the per-request transport the SDK builds and uses ours.
func (h *httpClient) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	return h.c.Do(req)
}

// DownloadVpnConnectionConfig calls the action of that name.
func (c *Client) DownloadVpnConnectionConfig(ctx context.Context, id string) (*Download, error) {
	raw, err := c.call(ctx, ActionDownload, map[string]string{"VpnConnectionId": id})
	if err != nil {
		return nil, err
	}
	cfg, err := Parse(raw)
	if err != nil {
		return nil, &CallError{Action: ActionDownload, Err: err}
	}
	return &Download{Config: cfg, Raw: raw}, nil
}

// DescribeVpnConnection calls the action of that name.
func (c *Client) DescribeVpnConnection(ctx context.Context, id string) (*Description, error) {
	raw, err := c.call(ctx, ActionDescribe, map[string]string{"VpnConnectionId": id})
	if err != nil {
		return nil, err
	}
	conn, err := ParseDescription(raw)
	if err != nil {
		return nil, &CallError{Action: ActionDescribe, Err: err}
	}
	return &Description{Connection: conn, Raw: raw}, nil
}

// DescribeVpnConnections fetches one page of the region's connections.
func (c *Client) DescribeVpnConnections(ctx context.Context, q ListQuery) (*ConnectionPage, error) {
	params := map[string]string{
		"PageNumber": fmt.Sprint(max(q.PageNumber, 1)),
		"PageSize":   fmt.Sprint(min(max(q.PageSize, 1), MaxDescribePageSize)),
	}
	if q.VpnGatewayID != "" {
		params["VpnGatewayId"] = q.VpnGatewayID
	}
	raw, err := c.call(ctx, ActionDescribeList, params)
	if err != nil {
		return nil, err
	}
	page, err := ParseConnectionPage(raw)
	if err != nil {
		return nil, &CallError{Action: ActionDescribeList, Err: err}
	}
	return page, nil
}

// call makes one signed RPC request and returns the response body.
func (c *Client) call(ctx context.Context, action string, params map[string]string) ([]byte, error) {
	query := map[string]*string{"RegionId": tea.String(c.region)}
	for k, v := range params {
		query[k] = tea.String(v)
	}
	sdk := c.sdks.Get().(*openapi.Client)
	defer c.sdks.Put(sdk)
	res, err := sdk.CallApiWithCtx(ctx, &openapi.Params{
		Action:      tea.String(action),
		Version:     tea.String(APIVersion),
		Protocol:    tea.String(c.protocol),
		Pathname:    tea.String("/"),
		Method:      tea.String("POST"),
		AuthType:    tea.String("AK"),
		Style:       tea.String("RPC"),
		ReqBodyType: tea.String("formData"),
		// "string" hands back the body untouched: it is decoded with
		// vpnexport's tolerant types and can be saved as it came.
		BodyType: tea.String("string"),
	}, &openapi.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, &CallError{Action: action, Err: ctx.Err()}
		}
		return nil, &CallError{Action: action, Err: classify(err)}
	}
	body, ok := res["body"].(string)
	if !ok {
		return nil, &CallError{Action: action, Err: fmt.Errorf("unexpected response body type %T", res["body"])}
	}
	if len(body) > MaxInputSize {
		return nil, &CallError{Action: action, Err: fmt.Errorf("response is larger than %d bytes", MaxInputSize)}
	}
	return []byte(body), nil
}

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
// errors. It decides by the API's error Code, not the HTTP status, whose
// value for Throttling varies by product (alibaba-api.md §6). Signature,
// credential, permission and not-found errors are never retried: repeating
// them only burns the rate limit.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		code := ae.Code
		switch {
		case strings.HasPrefix(code, "Throttling"),
			strings.HasPrefix(code, "ServiceUnavailable"),
			strings.HasPrefix(code, "InternalError"):
			return true
		case code == "" && ae.StatusCode >= 500:
			// No envelope at all: a proxy or load balancer answered, not
			// the API; treat it like a network error.
			return true
		}
		return false
	}
	var ne *NetworkError
	return errors.As(err, &ne)
}

// Throttled reports a Throttling* error.
func Throttled(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && strings.HasPrefix(ae.Code, "Throttling")
}

// ErrorCode returns the API error Code of err, or "".
func ErrorCode(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Code
	}
	return ""
}

// RetryPolicy is exponential backoff with "equal" jitter: retry n (from 1)
// waits a random time in [d/2, d] with d = Base·2ⁿ⁻¹ capped at Max, so
// workers throttled together do not come back together.
type RetryPolicy struct {
	// Attempts is the total number of tries, the first included.
	Attempts int
	// ThrottleAttempts replaces Attempts while the API answers
	// Throttling*: throttling says "later", not "no", and a batch that
	// shares one rate limit must not drop connections because others
	// took the quota (at least Attempts).
	ThrottleAttempts int
	Base             time.Duration
	Max              time.Duration
	// ThrottleMax caps the wait after Throttling* (at most Max). A
	// per-second quota frees up within a second, and a long wait at the
	// end of a batch only stretches it.
	ThrottleMax time.Duration
	// OnRetry, when set, is told about every retry (for counters).
	OnRetry func(action string, attempt int, err error)
}

// DefaultRetryPolicy suits a batch under a per-second rate limit: short
// first waits so throttled workers come back within the next second, and
// enough attempts that a connection survives a long throttled stretch.
var DefaultRetryPolicy = RetryPolicy{Attempts: 6, ThrottleAttempts: 40, Base: 100 * time.Millisecond, Max: 5 * time.Second, ThrottleMax: time.Second}

// Delay is the wait before retry number attempt (1-based).
func (p RetryPolicy) Delay(attempt int) time.Duration { return p.delay(attempt, p.Max) }

func (p RetryPolicy) delay(attempt int, limit time.Duration) time.Duration {
	d := p.Base
	for i := 1; i < attempt && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	if d <= 0 {
		return 0
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// Retrying wraps a Source so that retryable errors are retried with p.
func Retrying(s Source, p RetryPolicy) Source {
	if p.Attempts < 1 {
		p.Attempts = 1
	}
	return &retrying{s: s, p: p}
}

type retrying struct {
	s Source
	p RetryPolicy
}

func (r *retrying) DownloadVpnConnectionConfig(ctx context.Context, id string) (*Download, error) {
	return retry(ctx, r.p, ActionDownload, func() (*Download, error) { return r.s.DownloadVpnConnectionConfig(ctx, id) })
}

func (r *retrying) DescribeVpnConnection(ctx context.Context, id string) (*Description, error) {
	return retry(ctx, r.p, ActionDescribe, func() (*Description, error) { return r.s.DescribeVpnConnection(ctx, id) })
}

func (r *retrying) DescribeVpnConnections(ctx context.Context, q ListQuery) (*ConnectionPage, error) {
	return retry(ctx, r.p, ActionDescribeList, func() (*ConnectionPage, error) { return r.s.DescribeVpnConnections(ctx, q) })
}

func retry[T any](ctx context.Context, p RetryPolicy, action string, f func() (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := f()
		if err == nil {
			return v, nil
		}
		limit := p.Attempts
		if Throttled(err) {
			limit = max(p.ThrottleAttempts, p.Attempts)
		}
		if !Retryable(err) || attempt >= limit {
			if attempt > 1 && Retryable(err) {
				return zero, fmt.Errorf("%w (gave up after %d attempts)", err, attempt)
			}
			return zero, err
		}
		if p.OnRetry != nil {
			p.OnRetry(action, attempt, err)
		}
		wait := p.Max
		if Throttled(err) && p.ThrottleMax > 0 {
			wait = min(p.ThrottleMax, p.Max)
		}
		t := time.NewTimer(p.delay(attempt, wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, &CallError{Action: action, Err: ctx.Err()}
		case <-t.C:
		}
	}
}

// ParseDescription decodes a DescribeVpnConnection response.
func ParseDescription(raw []byte) (*VpnConnection, error) {
	var c VpnConnection
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	if c.VpnConnectionID == "" {
		return nil, errors.New("response has no VpnConnectionId")
	}
	return &c, nil
}

// ParseConnectionPage decodes a DescribeVpnConnections response.
func ParseConnectionPage(raw []byte) (*ConnectionPage, error) {
	var r describeConnectionsResponse
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	if !r.TotalCount.Valid() {
		return nil, errors.New("response has no TotalCount")
	}
	var raws struct {
		VpnConnections struct {
			VpnConnection []json.RawMessage `json:"VpnConnection"`
		} `json:"VpnConnections"`
	}
	if err := json.Unmarshal(raw, &raws); err != nil {
		return nil, fmt.Errorf("parse JSON: %w", jsonErr(err))
	}
	for i, c := range r.VpnConnections.VpnConnection {
		if c.VpnConnectionID == "" {
			return nil, fmt.Errorf("VpnConnections.VpnConnection[%d] has no VpnConnectionId", i)
		}
	}
	return &ConnectionPage{
		TotalCount:  int(r.TotalCount.Value),
		PageNumber:  int(r.PageNumber.Value),
		PageSize:    int(r.PageSize.Value),
		Connections: r.VpnConnections.VpnConnection,
		Raw:         raws.VpnConnections.VpnConnection,
	}, nil
}

// ListAll pages through DescribeVpnConnections (PageSize 50) and returns
// every connection, in API order, each with its listed JSON.
func ListAll(ctx context.Context, s Source, vpnGatewayID string) ([]Description, error) {
	var all []Description
	seen := map[string]bool{}
	for page := 1; ; page++ {
		p, err := s.DescribeVpnConnections(ctx, ListQuery{VpnGatewayID: vpnGatewayID, PageNumber: page, PageSize: MaxDescribePageSize})
		if err != nil {
			return nil, fmt.Errorf("page %d: %w", page, err)
		}
		for i := range p.Connections {
			c := &p.Connections[i]
			// A connection created or deleted while paging shifts the
			// pages; never list one twice.
			if seen[c.VpnConnectionID] {
				continue
			}
			seen[c.VpnConnectionID] = true
			d := Description{Connection: c}
			if i < len(p.Raw) {
				d.Raw = p.Raw[i]
			}
			all = append(all, d)
		}
		if len(p.Connections) == 0 || page*MaxDescribePageSize >= p.TotalCount {
			return all, nil
		}
	}
}
