package api

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// RetryPolicy is exponential backoff with "equal" jitter: retry n (from 1)
// waits a random time in [d/2, d] with d = Base·2ⁿ⁻¹ capped at Max, so
// workers throttled together do not come back together.
//
// Throttling and the other retryable failures are counted apart: a quota
// shared by a whole batch says "later", not "no", so a call that was
// throttled many times must still get its full budget for a
// ServiceUnavailable or a dropped connection (docs/alibaba-api.md §7).
type RetryPolicy struct {
	// Attempts bounds the tries of one call that fail with a retryable
	// error other than throttling (ServiceUnavailable, InternalError,
	// network): after that many such failures the call gives up.
	Attempts int
	// ThrottleAttempts bounds, separately, the tries of one call answered
	// Throttling* (at least Attempts).
	ThrottleAttempts int
	Base             time.Duration
	Max              time.Duration
	// ThrottleMax caps the wait after Throttling* (at most Max). A
	// per-second quota frees up within a second, and the shared rate
	// limiter (Limiter) already slows every worker down.
	ThrottleMax time.Duration
	// Deadline bounds the retries of one connection: every call made with
	// a context from WithRetryScope shares it, counted from the scope's
	// start, not counting the time spent waiting for the rate limiter. No
	// retry starts that would wait past it. 0 means no deadline.
	Deadline time.Duration
	// OnRetry, when set, is told about every retry (for counters).
	OnRetry func(action string, attempt int, err error)
}

// DefaultRetryPolicy suits a batch under a per-second rate limit: short
// first waits so throttled workers come back within the next second,
// enough attempts that a connection survives a long throttled stretch,
// and a deadline so that one connection cannot hold a worker for ever.
var DefaultRetryPolicy = RetryPolicy{Attempts: 6, ThrottleAttempts: 40, Base: 100 * time.Millisecond, Max: 5 * time.Second,
	ThrottleMax: time.Second, Deadline: 2 * time.Minute}

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

// retryScope is one connection's share of the retry deadline.
type retryScope struct {
	start time.Time
	// queued is the time (ns) its calls spent waiting for the rate
	// limiter: waiting for the quota is not failing, so it does not count.
	queued atomic.Int64
}

type scopeKey struct{}

// WithRetryScope returns a context whose calls share one retry deadline
// (RetryPolicy.Deadline), counted from now: export gives each connection
// one, so its download and description together cannot retry for longer.
func WithRetryScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &retryScope{start: time.Now()})
}

func scopeOf(ctx context.Context) *retryScope {
	s, _ := ctx.Value(scopeKey{}).(*retryScope)
	return s
}

// addQueued records time spent waiting for the rate limiter.
func addQueued(ctx context.Context, d time.Duration) {
	if s := scopeOf(ctx); s != nil {
		s.queued.Add(int64(d))
	}
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

// DescribeRegions retries the wrapped source's DescribeRegions, when it
// has one.
func (r *retrying) DescribeRegions(ctx context.Context) ([]Region, error) {
	rs, ok := r.s.(RegionSource)
	if !ok {
		return nil, fmt.Errorf("%s: not supported by this source", ActionDescribeRegions)
	}
	return retry(ctx, r.p, ActionDescribeRegions, func() ([]Region, error) { return rs.DescribeRegions(ctx) })
}

func retry[T any](ctx context.Context, p RetryPolicy, action string, f func() (T, error)) (T, error) {
	var zero T
	scope := scopeOf(ctx)
	start := time.Now()
	if scope != nil {
		start = scope.start
	}
	var throttled, other int
	for attempt := 1; ; attempt++ {
		v, err := f()
		if err == nil {
			return v, nil
		}
		if !Retryable(err) {
			return zero, err
		}
		isThrottle := Throttled(err)
		if isThrottle {
			throttled++
		} else {
			other++
		}
		if other >= p.Attempts || throttled >= max(p.ThrottleAttempts, p.Attempts) {
			if attempt == 1 {
				return zero, err
			}
			return zero, fmt.Errorf("%w (gave up after %d attempts: %d throttled, %d failed)", err, attempt, throttled, other)
		}
		limit := p.Max
		if isThrottle && p.ThrottleMax > 0 {
			limit = min(p.ThrottleMax, p.Max)
		}
		wait := p.delay(attempt, limit)
		if p.Deadline > 0 {
			var queued time.Duration
			if scope != nil {
				queued = time.Duration(scope.queued.Load())
			}
			if time.Since(start)-queued+wait > p.Deadline {
				return zero, fmt.Errorf("%w (gave up after %d attempts: %d throttled, %d failed; the connection's %v retry deadline is reached)",
					err, attempt, throttled, other, p.Deadline)
			}
		}
		if p.OnRetry != nil {
			p.OnRetry(action, attempt, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return zero, &CallError{Action: action, Err: ctx.Err()}
		case <-t.C:
		}
	}
}
