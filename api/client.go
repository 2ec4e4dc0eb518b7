package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
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
