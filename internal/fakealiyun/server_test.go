package fakealiyun

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// These tests sign requests with the package's own signer (checked
// against the documented vector in sign_test.go) and check that the fake
// accepts exactly the well-signed ones. The SDK client is tested against
// the fake in package api.

const (
	keyID  = "LTAI5tFakeServerTest"
	secret = "server-test-secret-0001"
)

var nonceSeq atomic.Int64

type reqOpt func(r *http.Request, in *SignInput)

func send(t *testing.T, s *Server, action string, params url.Values, opts ...reqOpt) (int, map[string]any) {
	t.Helper()
	u, _ := url.Parse(s.URL)
	u.RawQuery = params.Encode()
	r, err := http.NewRequest("POST", u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	in := SignInput{
		Method: "POST", URI: "/", Query: params, PayloadHash: EmptyHash,
		Headers: map[string]string{
			"host":                  u.Host,
			"x-acs-action":          action,
			"x-acs-version":         Version,
			"x-acs-date":            time.Now().UTC().Format("2006-01-02T15:04:05Z"),
			"x-acs-signature-nonce": fmt.Sprintf("nonce-%d", nonceSeq.Add(1)),
			"x-acs-content-sha256":  EmptyHash,
		},
	}
	// Options run twice: before signing (to change what is signed) and
	// after (to change the request behind the signature's back); an
	// option that sets Authorization itself does so in the second pass.
	for _, o := range opts {
		o(r, &in)
	}
	in.SignedHeaders = nil
	for k, v := range in.Headers {
		in.SignedHeaders = append(in.SignedHeaders, k)
		if k != "host" {
			r.Header.Set(k, v)
		}
	}
	r.Header.Set("Authorization", Authorization(keyID, secret, in))
	for _, o := range opts {
		o(r, &in)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body
}

func newServer(t *testing.T, opts Options) *Server {
	t.Helper()
	opts.AccessKeyID, opts.AccessKeySecret = keyID, secret
	s := New(opts)
	t.Cleanup(s.Close)
	s.Add(SingleTunnel("vco-f1", 1), DualTunnel("vco-f2", 2))
	return s
}

func params(kv ...string) url.Values {
	v := url.Values{"RegionId": {"cn-shanghai"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func TestFakeAcceptsWellSignedRequests(t *testing.T) {
	s := newServer(t, Options{})
	status, body := send(t, s, "DownloadVpnConnectionConfig", params("VpnConnectionId", "vco-f1"))
	if status != 200 || body["VpnConnectionConfig"] == nil || body["RequestId"] == nil {
		t.Fatalf("%d %v (%s)", status, body, s.LastRejection())
	}
	status, body = send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f2"))
	if status != 200 || body["Name"] != "dual-f2" {
		t.Fatalf("%d %v", status, body)
	}
}

func TestFakeRejectsBadRequests(t *testing.T) {
	for name, tc := range map[string]struct {
		opt  reqOpt
		code string
	}{
		"wrong secret": {func(r *http.Request, in *SignInput) {
			r.Header.Set("Authorization", Authorization(keyID, "not-the-secret", *in))
		}, "SignatureDoesNotMatch"},
		"unknown key": {func(r *http.Request, in *SignInput) {
			r.Header.Set("Authorization", Authorization("LTAIunknown", secret, *in))
		}, "InvalidAccessKeyId.NotFound"},
		"query changed after signing": {func(r *http.Request, in *SignInput) {
			if r.Header.Get("Authorization") != "" {
				r.URL.RawQuery = url.Values{"RegionId": {"cn-beijing"}, "VpnConnectionId": {"vco-f1"}}.Encode()
			}
		}, "SignatureDoesNotMatch"},
		"stale date": {func(r *http.Request, in *SignInput) {
			in.Headers["x-acs-date"] = time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05Z")
		}, "IllegalTimestamp"},
		"wrong version": {func(r *http.Request, in *SignInput) {
			in.Headers["x-acs-version"] = "2014-05-26"
		}, "InvalidVersion"},
		"body hash wrong": {func(r *http.Request, in *SignInput) {
			in.Headers["x-acs-content-sha256"] = strings.Repeat("0", 64)
			in.PayloadHash = in.Headers["x-acs-content-sha256"]
		}, "IncompleteSignature"},
		"unsigned x-acs header": {func(r *http.Request, in *SignInput) {
			if r.Header.Get("Authorization") != "" {
				r.Header.Set("x-acs-extra", "sneaky")
			}
		}, "IncompleteSignature"},
		"no authorization": {func(r *http.Request, in *SignInput) {
			r.Header.Del("Authorization")
		}, "MissingAuthorization"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newServer(t, Options{})
			status, body := send(t, s, "DownloadVpnConnectionConfig", params("VpnConnectionId", "vco-f1"), tc.opt)
			if body["Code"] != tc.code {
				t.Fatalf("%d %v, want %s", status, body, tc.code)
			}
			if s.Stats().Served != 0 {
				t.Error("served a rejected request")
			}
		})
	}
}

func TestFakeRejectsReplayedNonce(t *testing.T) {
	s := newServer(t, Options{})
	fixed := func(r *http.Request, in *SignInput) { in.Headers["x-acs-signature-nonce"] = "same-nonce" }
	if status, body := send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1"), fixed); status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	if _, body := send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1"), fixed); body["Code"] != "SignatureNonceUsed" {
		t.Fatalf("replay accepted: %v", body)
	}
}

func TestFakeSecurityToken(t *testing.T) {
	s := newServer(t, Options{SecurityToken: "tok-0001"})
	if _, body := send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1")); body["Code"] != "InvalidSecurityToken.Malformed" {
		t.Fatalf("missing token accepted: %v", body)
	}
	withToken := func(r *http.Request, in *SignInput) { in.Headers["x-acs-security-token"] = "tok-0001" }
	if status, body := send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1"), withToken); status != 200 {
		t.Fatalf("%d %v", status, body)
	}
}

func TestFakeErrorsLikeTheAPI(t *testing.T) {
	s := newServer(t, Options{})
	for name, tc := range map[string]struct {
		action string
		params url.Values
		status int
		code   string
	}{
		"unknown connection": {"DownloadVpnConnectionConfig", params("VpnConnectionId", "vco-nope"), 404, "InvalidVpnConnectionInstanceId.NotFound"},
		"other region":       {"DescribeVpnConnection", url.Values{"RegionId": {"cn-beijing"}, "VpnConnectionId": {"vco-f1"}}, 404, "InvalidVpnConnectionInstanceId.NotFound"},
		"no region":          {"DescribeVpnConnection", url.Values{"VpnConnectionId": {"vco-f1"}}, 400, "MissingParameter"},
		"no id":              {"DownloadVpnConnectionConfig", params(), 400, "MissingParameter"},
		"unknown action":     {"DeleteVpnConnection", params("VpnConnectionId", "vco-f1"), 404, "InvalidAction.NotFound"},
		"page too large":     {"DescribeVpnConnections", params("PageSize", "51"), 400, "InvalidParameter"},
	} {
		t.Run(name, func(t *testing.T) {
			status, body := send(t, s, tc.action, tc.params)
			if status != tc.status || body["Code"] != tc.code || body["RequestId"] == nil || body["Message"] == nil {
				t.Errorf("%d %v, want %d %s", status, body, tc.status, tc.code)
			}
		})
	}
}

func TestFakePaging(t *testing.T) {
	s := newServer(t, Options{})
	s.Generate("vco-g", 7, func(id string, i int) Connection { return SingleTunnel(id, i) })
	var ids []string
	for page := 1; page <= 4; page++ {
		_, body := send(t, s, "DescribeVpnConnections", params("PageSize", "3", "PageNumber", fmt.Sprint(page)))
		if body["TotalCount"] != float64(9) {
			t.Fatalf("TotalCount %v", body["TotalCount"])
		}
		for _, c := range body["VpnConnections"].(map[string]any)["VpnConnection"].([]any) {
			ids = append(ids, c.(map[string]any)["VpnConnectionId"].(string))
		}
	}
	want := "vco-f1 vco-f2 vco-g000000 vco-g000001 vco-g000002 vco-g000003 vco-g000004 vco-g000005 vco-g000006"
	if strings.Join(ids, " ") != want {
		t.Errorf("listed %v", ids)
	}
	_, body := send(t, s, "DescribeVpnConnections", params("VpnGatewayId", "vpn-fakegw0002"))
	if body["TotalCount"] != float64(1) {
		t.Errorf("gateway filter: %v", body["TotalCount"])
	}
}

func TestFakeFaultsAndRateLimit(t *testing.T) {
	s := newServer(t, Options{})
	s.Inject(Fault{Action: "DownloadVpnConnectionConfig", ConnectionID: "vco-f2", Kind: Unavailable, Times: 2})
	for i, want := range []int{503, 503, 200} {
		if status, _ := send(t, s, "DownloadVpnConnectionConfig", params("VpnConnectionId", "vco-f2")); status != want {
			t.Errorf("call %d: %d, want %d", i+1, status, want)
		}
	}
	if status, _ := send(t, s, "DownloadVpnConnectionConfig", params("VpnConnectionId", "vco-f1")); status != 200 {
		t.Error("fault hit another connection")
	}
	// A slow answer is still an answer; Drop closes the connection.
	s.Inject(Fault{ConnectionID: "vco-f1", Kind: Slow, Delay: time.Millisecond})
	if status, _ := send(t, s, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1")); status != 200 {
		t.Errorf("slow: %d", status)
	}
	s.Inject(Fault{ConnectionID: "vco-f1", Kind: Drop})
	u, _ := url.Parse(s.URL)
	u.RawQuery = params("VpnConnectionId", "vco-f1").Encode()
	in := SignInput{Method: "POST", URI: "/", Query: params("VpnConnectionId", "vco-f1"), PayloadHash: EmptyHash, Headers: map[string]string{
		"host": u.Host, "x-acs-action": "DescribeVpnConnection", "x-acs-version": Version, "x-acs-content-sha256": EmptyHash,
		"x-acs-date": time.Now().UTC().Format("2006-01-02T15:04:05Z"), "x-acs-signature-nonce": "drop-nonce",
	}}
	r, _ := http.NewRequest("POST", u.String(), nil)
	for k, v := range in.Headers {
		in.SignedHeaders = append(in.SignedHeaders, k)
		if k != "host" {
			r.Header.Set(k, v)
		}
	}
	r.Header.Set("Authorization", Authorization(keyID, secret, in))
	if resp, err := http.DefaultClient.Do(r); err == nil {
		resp.Body.Close()
		t.Errorf("dropped request answered %d", resp.StatusCode)
	}

	// One request per 1000 s: the second is throttled whatever the timing.
	slow := newServer(t, Options{RateLimit: 0.001})
	send(t, slow, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1"))
	if status, body := send(t, slow, "DescribeVpnConnection", params("VpnConnectionId", "vco-f1")); body["Code"] != "Throttling.User" || status != 400 {
		t.Errorf("%d %v, want Throttling.User", status, body)
	}
	if slow.Stats().Throttled != 1 {
		t.Errorf("throttled = %d", slow.Stats().Throttled)
	}
}

// TestFakeRegions: DescribeRegions lists every region served; each
// region lists and answers only its own connections and has its own rate
// limit, as Alibaba's quotas are per region.
func TestFakeRegions(t *testing.T) {
	s := newServer(t, Options{Regions: []string{"eu-central-1"}, RateLimit: 0.001})
	c := SingleTunnel("vco-bj1", 3)
	c.Region = "cn-beijing"
	s.Add(c)
	s.GenerateIn("cn-beijing", "vco-bjg", 2, func(id string, i int) Connection { return SingleTunnel(id, i) })
	_, body := send(t, s, "DescribeRegions", params())
	var got []string
	for _, r := range body["Regions"].(map[string]any)["Region"].([]any) {
		got = append(got, r.(map[string]any)["RegionId"].(string))
	}
	if strings.Join(got, " ") != "cn-beijing cn-shanghai eu-central-1" {
		t.Errorf("regions %v", got)
	}
	// cn-shanghai's one request per 1000 s is spent; cn-beijing has its own.
	bj := func(kv ...string) url.Values { v := params(kv...); v.Set("RegionId", "cn-beijing"); return v }
	if status, body := send(t, s, "DescribeVpnConnections", bj()); status != 200 || body["TotalCount"] != float64(3) {
		t.Errorf("cn-beijing list: %d %v", status, body)
	}
	if status, body := send(t, s, "DescribeVpnConnections", bj()); body["Code"] != "Throttling.User" {
		t.Errorf("second cn-beijing call: %d %v, want throttled", status, body)
	}
	eu := params("VpnConnectionId", "vco-bjg000001")
	eu.Set("RegionId", "eu-central-1")
	if status, body := send(t, s, "DownloadVpnConnectionConfig", eu); status != 404 {
		t.Errorf("a cn-beijing connection asked for in eu-central-1: %d %v", status, body)
	}
}
