package fakealiyun

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// docVector is the worked example of docs/alibaba-api.md "V3: ACS3-HMAC-SHA256", taken from
// Alibaba's "V3 request structure and signature" page.
var docVector = struct {
	canonical, hashed, authorization string
}{
	canonical: strings.Join([]string{
		"POST",
		"/",
		"ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
		"host:ecs.cn-shanghai.aliyuncs.com",
		"x-acs-action:RunInstances",
		"x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"x-acs-date:2023-10-26T10:22:32Z",
		"x-acs-signature-nonce:3156853299f313e23d1673dc12e1703d",
		"x-acs-version:2014-05-26",
		"",
		"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	}, "\n"),
	hashed:        "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259",
	authorization: "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
}

func docRequest() SignInput {
	return SignInput{
		Method: "POST",
		URI:    "/",
		Query: url.Values{
			"ImageId":  {"win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"},
			"RegionId": {"cn-shanghai"},
		},
		Headers: map[string]string{
			"host":                  "ecs.cn-shanghai.aliyuncs.com",
			"x-acs-action":          "RunInstances",
			"x-acs-content-sha256":  EmptyHash,
			"x-acs-date":            "2023-10-26T10:22:32Z",
			"x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
			"x-acs-version":         "2014-05-26",
		},
		SignedHeaders: []string{"x-acs-version", "host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce"},
		PayloadHash:   EmptyHash,
	}
}

// TestSignDocumentedVector pins the fake's own signer to the documented
// worked example, step by step.
func TestSignDocumentedVector(t *testing.T) {
	canonical := CanonicalRequest(docRequest())
	if canonical != docVector.canonical {
		t.Fatalf("canonical request:\ngot:\n%s\nwant:\n%s", canonical, docVector.canonical)
	}
	if got := StringToSign(canonical); got != "ACS3-HMAC-SHA256\n"+docVector.hashed {
		t.Fatalf("string to sign = %q, want hash %s", got, docVector.hashed)
	}
	if got := Authorization("YourAccessKeyId", "YourAccessKeySecret", docRequest()); got != docVector.authorization {
		t.Fatalf("Authorization:\ngot  %s\nwant %s", got, docVector.authorization)
	}
}

// TestSignVerifiesReceivedRequest rebuilds the documented request as the
// server receives it and checks the verifier's view matches.
func TestSignVerifiesReceivedRequest(t *testing.T) {
	r := httptest.NewRequest("POST", "https://ecs.cn-shanghai.aliyuncs.com/?RegionId=cn-shanghai&ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", nil)
	in := docRequest()
	for k, v := range in.Headers {
		if k != "host" {
			r.Header.Set(k, v)
		}
	}
	got, err := inputFromRequest(r, nil, in.SignedHeaders)
	if err != nil {
		t.Fatal(err)
	}
	if c := CanonicalRequest(got); c != docVector.canonical {
		t.Fatalf("canonical request from received request:\n%s\nwant:\n%s", c, docVector.canonical)
	}
}

func TestPercentEncode(t *testing.T) {
	for in, want := range map[string]string{
		"a b":     "a%20b",
		"a*b":     "a%2Ab",
		"~-_.":    "~-_.",
		"a+b":     "a%2Bb",
		"2023:10": "2023%3A10",
		"é":       "%C3%A9",
	} {
		if got := percentEncode(in); got != want {
			t.Errorf("percentEncode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseAuthorizationRejects(t *testing.T) {
	for _, h := range []string{"", "ACS3-HMAC-SHA1 Credential=a,SignedHeaders=host,Signature=x", "ACS3-HMAC-SHA256 Credential=a", "ACS3-HMAC-SHA256 Credential=a,SignedHeaders,Signature=x"} {
		if _, err := parseAuthorization(h); err == nil {
			t.Errorf("parseAuthorization(%q) accepted", h)
		}
	}
}
