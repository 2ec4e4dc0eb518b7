package api

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// Client tests run the official SDK client against fakealiyun, which
// recomputes every request's ACS3-HMAC-SHA256 signature itself: a request
// the real endpoint would reject is rejected here too.

const (
	testKeyID  = "LTAI5tFakeKeyId0001"
	testSecret = "FakeSecret-never-printed-0001"
)

func newTestClient(t *testing.T, s *fakealiyun.Server, token string) *Client {
	t.Helper()
	var p providers.CredentialsProvider
	var err error
	if token != "" {
		p, err = providers.NewStaticSTSCredentialsProviderBuilder().WithAccessKeyId(testKeyID).WithAccessKeySecret(testSecret).WithSecurityToken(token).Build()
	} else {
		p, err = providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(testKeyID).WithAccessKeySecret(testSecret).Build()
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(ClientConfig{Region: "cn-shanghai", Endpoint: s.URL, Credential: credentials.FromCredentialsProvider("static", p)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newFake(t *testing.T, opts fakealiyun.Options) *fakealiyun.Server {
	t.Helper()
	if opts.AccessKeyID == "" {
		opts.AccessKeyID, opts.AccessKeySecret = testKeyID, testSecret
	}
	s := fakealiyun.New(opts)
	t.Cleanup(s.Close)
	return s
}

func TestClientSignedCallsPassTheFake(t *testing.T) {
	for name, token := range map[string]string{"AccessKey": "", "STS token": "FakeStsToken-0001"} {
		t.Run(name, func(t *testing.T) {
			s := newFake(t, fakealiyun.Options{SecurityToken: token})
			s.Add(fakealiyun.SingleTunnel("vco-c1", 1), fakealiyun.DualTunnel("vco-c2", 2))
			c := newTestClient(t, s, token)
			ctx := t.Context()

			dl, err := c.DownloadVpnConnectionConfig(ctx, "vco-c2")
			if err != nil {
				t.Fatalf("download: %v (fake: %s)", err, s.LastRejection())
			}
			if dl.Config.TunnelsConfig == nil || len(dl.Config.TunnelsConfig.TunnelConfig) != 2 || !strings.Contains(string(dl.Raw), `"RequestId"`) {
				t.Errorf("download: %+v", dl.Config)
			}
			d, err := c.DescribeVpnConnection(ctx, "vco-c1")
			if err != nil {
				t.Fatal(err)
			}
			if d.Connection.Name != "site-c1" || !d.Connection.EnableDpd.Value {
				t.Errorf("describe: %+v", d.Connection)
			}
			page, err := c.DescribeVpnConnections(ctx, ListQuery{PageNumber: 1, PageSize: 1})
			if err != nil {
				t.Fatal(err)
			}
			if page.TotalCount != 2 || len(page.Connections) != 1 || len(page.Raw) != 1 {
				t.Errorf("page: %+v", page)
			}
			if st := s.Stats(); st.BadSignatures != 0 || st.Served != 3 {
				t.Errorf("stats: %+v", st)
			}
		})
	}
}

func TestClientWrongSecretIsRejected(t *testing.T) {
	s := newFake(t, fakealiyun.Options{AccessKeyID: testKeyID, AccessKeySecret: "a-different-secret"})
	s.Add(fakealiyun.SingleTunnel("vco-c1", 1))
	_, err := newTestClient(t, s, "").DownloadVpnConnectionConfig(t.Context(), "vco-c1")
	if ErrorCode(err) != "SignatureDoesNotMatch" || Retryable(err) {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "string to sign") || strings.Contains(err.Error(), testSecret) {
		t.Errorf("error too talkative: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "DownloadVpnConnectionConfig: SignatureDoesNotMatch: ") {
		t.Errorf("error = %v", err)
	}
}

func TestClientErrorClassification(t *testing.T) {
	for name, tc := range map[string]struct {
		kind      fakealiyun.FaultKind
		code      string
		retryable bool
	}{
		"throttling":  {fakealiyun.Throttle, "Throttling.User", true},
		"unavailable": {fakealiyun.Unavailable, "ServiceUnavailable", true},
		"internal":    {fakealiyun.Internal, "InternalError", true},
		"dropped":     {fakealiyun.Drop, "", true},
		"forbidden":   {fakealiyun.Forbidden, "Forbidden", false},
		"not found":   {fakealiyun.NotFound, "InvalidVpnConnectionInstanceId.NotFound", false},
	} {
		t.Run(name, func(t *testing.T) {
			s := newFake(t, fakealiyun.Options{})
			s.Add(fakealiyun.SingleTunnel("vco-c1", 1))
			s.Inject(fakealiyun.Fault{Kind: tc.kind})
			_, err := newTestClient(t, s, "").DownloadVpnConnectionConfig(t.Context(), "vco-c1")
			if err == nil {
				t.Fatal("no error")
			}
			if got := ErrorCode(err); got != tc.code {
				t.Errorf("code = %q, want %q (%v)", got, tc.code, err)
			}
			if Retryable(err) != tc.retryable {
				t.Errorf("Retryable = %v, want %v (%v)", !tc.retryable, tc.retryable, err)
			}
			var ce *CallError
			if !errors.As(err, &ce) || ce.Action != ActionDownload {
				t.Errorf("not a CallError for the action: %#v", err)
			}
			var ae *APIError
			if tc.kind == fakealiyun.Forbidden && (!errors.As(err, &ae) || ae.AuthAction != "vpc:DownloadVpnConnectionConfig") {
				t.Errorf("AccessDeniedDetail.AuthAction not kept: %#v", ae)
			}
		})
	}
}

func TestClientWrongRegionIsNotFound(t *testing.T) {
	s := newFake(t, fakealiyun.Options{Region: "cn-beijing"})
	s.Add(fakealiyun.SingleTunnel("vco-c1", 1))
	_, err := newTestClient(t, s, "").DescribeVpnConnection(t.Context(), "vco-c1")
	if ErrorCode(err) != "InvalidVpnConnectionInstanceId.NotFound" {
		t.Fatalf("err = %v", err)
	}
}

func TestClientCancellation(t *testing.T) {
	s := newFake(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-c1", 1))
	s.Inject(fakealiyun.Fault{Kind: fakealiyun.Block, Times: -1})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for s.Stats().Requests == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	src := Retrying(newTestClient(t, s, ""), RetryPolicy{Attempts: 5, Base: time.Millisecond, Max: time.Millisecond})
	_, err := src.DownloadVpnConnectionConfig(ctx, "vco-c1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if Retryable(err) {
		t.Error("cancellation classified as retryable")
	}
}

func TestListAllThreePages(t *testing.T) {
	s := newFake(t, fakealiyun.Options{})
	s.Generate("vco-l", 101, func(id string, i int) fakealiyun.Connection { return fakealiyun.SingleTunnel(id, i) })
	all, err := ListAll(t.Context(), newTestClient(t, s, ""), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 101 || all[100].Connection.VpnConnectionID != s.GeneratedID(100) || len(all[0].Raw) == 0 {
		t.Fatalf("listed %d", len(all))
	}
	if got := s.Stats().ByAction[ActionDescribeList]; got != 3 {
		t.Errorf("pages fetched = %d, want 3", got)
	}
}

// stubSource fails its first calls with the given errors.
type stubSource struct {
	errs  []error
	calls atomic.Int32
}

func (s *stubSource) next() error {
	n := int(s.calls.Add(1)) - 1
	if n < len(s.errs) {
		return s.errs[n]
	}
	return nil
}

func (s *stubSource) DownloadVpnConnectionConfig(ctx context.Context, id string) (*Download, error) {
	if err := s.next(); err != nil {
		return nil, err
	}
	return &Download{}, nil
}

func (s *stubSource) DescribeVpnConnection(ctx context.Context, id string) (*Description, error) {
	return nil, s.next()
}

func (s *stubSource) DescribeVpnConnections(ctx context.Context, q ListQuery) (*ConnectionPage, error) {
	return nil, s.next()
}

func TestRetrying(t *testing.T) {
	throttled := &CallError{Action: ActionDownload, Err: &APIError{StatusCode: 400, Code: "Throttling.User"}}
	forbidden := &CallError{Action: ActionDownload, Err: &APIError{StatusCode: 403, Code: "Forbidden"}}
	network := &CallError{Action: ActionDownload, Err: &NetworkError{Err: errors.New("connection reset")}}
	p := RetryPolicy{Attempts: 4, Base: time.Microsecond, Max: time.Microsecond}
	for name, tc := range map[string]struct {
		errs      []error
		wantCalls int32
		wantErr   string
	}{
		"retry then success":    {errs: []error{throttled, network}, wantCalls: 3},
		"permanent not retried": {errs: []error{forbidden}, wantCalls: 1, wantErr: "Forbidden"},
		"gives up":              {errs: []error{throttled, throttled, throttled, throttled, throttled}, wantCalls: 4, wantErr: "gave up after 4 attempts"},
		"then permanent":        {errs: []error{throttled, forbidden}, wantCalls: 2, wantErr: "Forbidden"},
	} {
		t.Run(name, func(t *testing.T) {
			stub := &stubSource{errs: tc.errs}
			var retries int
			p := p
			p.OnRetry = func(string, int, error) { retries++ }
			_, err := Retrying(stub, p).DownloadVpnConnectionConfig(t.Context(), "vco-x")
			if got := stub.calls.Load(); got != tc.wantCalls {
				t.Errorf("calls = %d, want %d", got, tc.wantCalls)
			}
			if retries != int(tc.wantCalls)-1 {
				t.Errorf("OnRetry called %d times", retries)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestRetryDelayGrowsWithinBounds(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second}
	for attempt, hi := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 30: time.Second} {
		for range 50 {
			if d := p.Delay(attempt); d < hi/2 || d > hi {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, hi/2, hi)
			}
		}
	}
}

func TestRetryableCodes(t *testing.T) {
	for code, want := range map[string]bool{
		"Throttling": true, "Throttling.User": true, "Throttling.Api": true,
		"ServiceUnavailable": true, "InternalError": true,
		"SignatureDoesNotMatch": false, "InvalidAccessKeyId.NotFound": false, "Forbidden.RAM": false,
		"Forbbiden.SubUser": false, "InvalidVpnConnectionInstanceId.NotFound": false, "MissingParameter": false,
	} {
		// Classify by Code: the HTTP status must not matter.
		for _, status := range []int{400, 403, 404, 429, 500, 503} {
			if got := Retryable(&APIError{StatusCode: status, Code: code}); got != want {
				t.Errorf("Retryable(%s, HTTP %d) = %v, want %v", code, status, got, want)
			}
		}
	}
	if !Retryable(&APIError{StatusCode: 502}) {
		t.Error("an envelope-less 502 (a proxy) should be retried")
	}
	if Retryable(context.Canceled) || Retryable(errors.New("parse JSON: boom")) {
		t.Error("non-API errors retried")
	}
}

func TestSplitEndpoint(t *testing.T) {
	for in, want := range map[string][2]string{
		"":                                 {"vpc.cn-shanghai.aliyuncs.com", "https"},
		"vpc-vpc.cn-shanghai.aliyuncs.com": {"vpc-vpc.cn-shanghai.aliyuncs.com", "https"},
		"http://127.0.0.1:8080":            {"127.0.0.1:8080", "http"},
		"https://vpc.example.internal/":    {"vpc.example.internal", "https"},
	} {
		host, proto, err := splitEndpoint(in, "cn-shanghai")
		if err != nil || host != want[0] || proto != want[1] {
			t.Errorf("splitEndpoint(%q) = %q %q %v", in, host, proto, err)
		}
	}
	for _, bad := range []string{"ftp://x", "http://x/path", "host/path", "http://"} {
		if _, _, err := splitEndpoint(bad, "cn-shanghai"); err == nil {
			t.Errorf("splitEndpoint(%q) accepted", bad)
		}
	}
}

func TestClientDescribeRegions(t *testing.T) {
	s := newFake(t, fakealiyun.Options{Region: "cn-shanghai", Regions: []string{"cn-beijing", "eu-central-1"}})
	regions, err := Retrying(newTestClient(t, s, ""), RetryPolicy{Attempts: 1}).(RegionSource).DescribeRegions(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range regions {
		ids = append(ids, r.RegionID)
	}
	if strings.Join(ids, ",") != "cn-beijing,cn-shanghai,eu-central-1" {
		t.Errorf("regions = %v", ids)
	}
	// The reference shows both shapes; both parse.
	for _, body := range []string{`{"Regions":{"Region":[{"RegionId":"cn-qingdao"}]}}`, `{"Regions":[{"RegionId":"cn-qingdao"}]}`} {
		if r, err := ParseRegions([]byte(body)); err != nil || len(r) != 1 || r[0].RegionID != "cn-qingdao" {
			t.Errorf("ParseRegions(%s) = %v, %v", body, r, err)
		}
	}
	if _, err := ParseRegions([]byte(`{"Regions":{"Region":[]}}`)); err == nil {
		t.Error("an empty region list accepted")
	}
}
