package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

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
