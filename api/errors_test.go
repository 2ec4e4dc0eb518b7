package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestClassify pins the kind of every documented error code: the kind
// decides retries, whether a batch stops, and the advice in Explain.
func TestClassify(t *testing.T) {
	tests := map[string]struct {
		err  error
		want Kind
	}{
		"signature":          {&APIError{StatusCode: 400, Code: "SignatureDoesNotMatch"}, KindAuthRejected},
		"incomplete sig":     {&APIError{StatusCode: 400, Code: "IncompleteSignature"}, KindAuthRejected},
		"unknown key":        {&APIError{StatusCode: 404, Code: "InvalidAccessKeyId.NotFound"}, KindAuthRejected},
		"sts token":          {&APIError{StatusCode: 400, Code: "InvalidSecurityToken.Expired"}, KindAuthRejected},
		"clock":              {&APIError{StatusCode: 400, Code: "IllegalTimestamp"}, KindClock},
		"forbidden":          {&APIError{StatusCode: 403, Code: "Forbidden.RAM"}, KindPermission},
		"forbbiden sic":      {&APIError{StatusCode: 403, Code: "Forbbiden.SubUser"}, KindPermission},
		"no permission":      {&APIError{StatusCode: 403, Code: "NoPermission"}, KindPermission},
		"connection missing": {&APIError{StatusCode: 404, Code: "InvalidVpnConnectionInstanceId.NotFound"}, KindConnectionNotFound},
		"gateway missing":    {&APIError{StatusCode: 404, Code: "InvalidVpnGatewayInstanceId.NotFound"}, KindGatewayNotFound},
		"throttled 400":      {&APIError{StatusCode: 400, Code: "Throttling.User"}, KindThrottled},
		"throttled 429":      {&APIError{StatusCode: 429, Code: "Throttling"}, KindThrottled},
		"unavailable":        {&APIError{StatusCode: 503, Code: "ServiceUnavailable"}, KindUnavailable},
		"internal":           {&APIError{StatusCode: 500, Code: "InternalError"}, KindUnavailable},
		"proxy 502":          {&APIError{StatusCode: 502}, KindUnavailable},
		"network":            {&NetworkError{Err: io.ErrUnexpectedEOF}, KindNetwork},
		"wrapped":            {&CallError{Action: ActionDownload, Err: &APIError{Code: "Throttling.Api"}}, KindThrottled},
		"bad parameter":      {&APIError{StatusCode: 400, Code: "InvalidParameter"}, KindOther},
		"plain":              {errors.New("parse JSON: boom"), KindOther},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.want, Classify(tc.err))
			retry := tc.want == KindThrottled || tc.want == KindUnavailable || tc.want == KindNetwork
			assert.Equal(t, retry, Retryable(tc.err))
			assert.Equal(t, tc.want == KindAuthRejected || tc.want == KindClock, Classify(tc.err).Fatal())
		})
	}
	assert.False(t, Retryable(fmt.Errorf("x: %w", context.Canceled)))
}

// TestExplain: the advice names what to do, built from the kind.
func TestExplain(t *testing.T) {
	x := ExplainContext{Region: "cn-shanghai", ConnectionID: "vco-abc", GatewayID: "vpn-gw1", CredentialSource: "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)", Endpoint: "https://vpc.cn-shanghai.aliyuncs.com"}
	tests := map[string]struct {
		err  error
		want []string
	}{
		"denied with detail": {&CallError{Action: ActionDownload, Err: &APIError{Code: "Forbidden.RAM", AuthAction: "vpc:DownloadVpnConnectionConfig"}},
			[]string{"lacks vpc:DownloadVpnConnectionConfig on acs:vpc:cn-shanghai:*:vpnconnection/vco-abc", "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)"}},
		"denied without detail": {&CallError{Action: ActionDescribe, Err: &APIError{Code: "Forbidden"}}, []string{"lacks vpc:DescribeVpnConnection"}},
		"not found":             {&APIError{Code: "InvalidVpnConnectionInstanceId.NotFound"}, []string{"connection vco-abc is not in region cn-shanghai", "--region"}},
		"gateway":               {&APIError{Code: "InvalidVpnGatewayInstanceId.NotFound"}, []string{"VPN gateway vpn-gw1 is not in region cn-shanghai"}},
		"clock":                 {&APIError{Code: "IllegalTimestamp"}, []string{"clock"}},
		"signature":             {&APIError{Code: "SignatureDoesNotMatch"}, []string{"belong together and are active"}},
		"network":               {&NetworkError{Err: io.EOF}, []string{"cannot talk to https://vpc.cn-shanghai.aliyuncs.com"}},
		"throttled":             {&APIError{Code: "Throttling"}, []string{"lower --concurrency"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got := Explain(tc.err, x)
			assert.ErrorIs(t, got, tc.err, "Explain must keep the original error")
			for _, w := range tc.want {
				assert.Contains(t, got.Error(), w)
			}
		})
	}
	plain := errors.New("boom")
	assert.Same(t, plain, Explain(plain, x))
}
