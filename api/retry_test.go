package api

import (
	"strings"
	"testing"
	"time"

	"github.com/vpnexport/vpnexport/internal/fakealiyun"
)

// fastPolicy is DefaultRetryPolicy with millisecond waits.
func fastPolicy() RetryPolicy {
	p := DefaultRetryPolicy
	p.Base, p.Max, p.ThrottleMax = time.Millisecond, 2*time.Millisecond, 2*time.Millisecond
	return p
}

// TestRetryFaultSequences replays, against the fake endpoint, the answers
// a batch meets under a tight quota with a flaky backend. Throttling and
// the other retryable failures (503, 500, dropped connections) have
// separate budgets: a connection throttled six times must still survive
// its first ServiceUnavailable (issue 17: today's single budget lost
// connections that way).
func TestRetryFaultSequences(t *testing.T) {
	type step struct {
		kind  fakealiyun.FaultKind
		times int
	}
	p := fastPolicy()
	for name, tc := range map[string]struct {
		steps    []step
		requests int64
		wantErr  string
	}{
		"6 throttles then a 503": {steps: []step{{fakealiyun.Throttle, 6}, {fakealiyun.Unavailable, 1}}, requests: 8},
		"throttles, then every other kind, within budgets": {steps: []step{
			{fakealiyun.Throttle, 10}, {fakealiyun.Unavailable, 2}, {fakealiyun.Throttle, 10}, {fakealiyun.Drop, 2}, {fakealiyun.Internal, 1}, {fakealiyun.Throttle, 5},
		}, requests: 31},
		"503 budget spent": {steps: []step{{fakealiyun.Throttle, 3}, {fakealiyun.Unavailable, p.Attempts}},
			requests: int64(3 + p.Attempts), wantErr: "gave up after"},
		"throttle budget spent": {steps: []step{{fakealiyun.Unavailable, 2}, {fakealiyun.Throttle, p.ThrottleAttempts}},
			requests: int64(2 + p.ThrottleAttempts), wantErr: "Throttling.User"},
	} {
		t.Run(name, func(t *testing.T) {
			s := newFake(t, fakealiyun.Options{})
			s.Add(fakealiyun.SingleTunnel("vco-seq1", 1))
			for _, st := range tc.steps {
				s.Inject(fakealiyun.Fault{Action: ActionDownload, Kind: st.kind, Times: st.times})
			}
			dl, err := Retrying(newTestClient(t, s, ""), p).DownloadVpnConnectionConfig(t.Context(), "vco-seq1")
			if got := s.Stats().Requests; got != tc.requests {
				t.Errorf("requests = %d, want %d", got, tc.requests)
			}
			if tc.wantErr == "" {
				if err != nil || dl == nil || dl.Config == nil {
					t.Fatalf("lost to a retryable error inside its budgets: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestRetryDeadlinePerConnection: one connection's calls share one retry
// deadline; a connection that is throttled for ever gives up once it is
// reached, with a message that says so, instead of holding a worker.
func TestRetryDeadlinePerConnection(t *testing.T) {
	s := newFake(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-dl1", 1))
	s.Inject(fakealiyun.Fault{Action: ActionDownload, Kind: fakealiyun.Throttle, Times: 3})
	s.Inject(fakealiyun.Fault{Action: ActionDescribe, Kind: fakealiyun.Throttle, Times: -1})
	p := RetryPolicy{Attempts: 6, ThrottleAttempts: 1 << 20, Base: 10 * time.Millisecond, Max: 20 * time.Millisecond, Deadline: 300 * time.Millisecond}
	src := Retrying(newTestClient(t, s, ""), p)
	ctx := WithRetryScope(t.Context())
	start := time.Now()
	if _, err := src.DownloadVpnConnectionConfig(ctx, "vco-dl1"); err != nil {
		t.Fatalf("download, throttled 3 times well inside the deadline: %v", err)
	}
	_, err := src.DescribeVpnConnection(ctx, "vco-dl1")
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "retry deadline is reached") || !Throttled(err) {
		t.Fatalf("err = %v, want the throttling error and the deadline", err)
	}
	if took > p.Deadline+200*time.Millisecond {
		t.Errorf("gave up after %v, deadline %v", took, p.Deadline)
	}
	// The download's time counted: the describe got less than the whole
	// deadline.
	if n := s.Stats().ByAction[ActionDescribe]; n >= 30 {
		t.Errorf("describe tried %d times; the scope's deadline did not carry over", n)
	}
}

// TestRetryDeadlineIgnoresQueueing: time spent waiting for the rate
// limiter is not time spent failing; a slow quota alone never uses up
// the deadline.
func TestRetryDeadlineIgnoresQueueing(t *testing.T) {
	s := newFake(t, fakealiyun.Options{})
	s.Add(fakealiyun.SingleTunnel("vco-q1", 1))
	s.Inject(fakealiyun.Fault{Action: ActionDownload, Kind: fakealiyun.Throttle, Times: 2})
	c := newTestClient(t, s, "")
	c.limiter = NewLimiter(5) // 200 ms apart, 400 ms after the first cut
	p := RetryPolicy{Attempts: 6, ThrottleAttempts: 40, Base: time.Millisecond, Max: 2 * time.Millisecond, Deadline: 100 * time.Millisecond}
	if _, err := Retrying(c, p).DownloadVpnConnectionConfig(WithRetryScope(t.Context()), "vco-q1"); err != nil {
		t.Fatalf("lost while waiting for the quota: %v", err)
	}
	if got := c.Stats(); got.Requests != 3 || got.Throttled != 2 {
		t.Errorf("client stats %+v, want 3 requests, 2 throttled", got)
	}
}
