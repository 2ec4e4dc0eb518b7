package api

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultQuotas are Alibaba's published default API rate limits, in
// requests per second, per region, API and account (the quota dimension
// "regionId,API,ParentUid"; docs/alibaba-api.md §7.1). An account may have
// had them raised in Quota Center: --rate then sets one budget for all
// actions.
var DefaultQuotas = map[string]float64{
	ActionDownload:     30.0 / 60, // 30 per minute
	ActionDescribe:     600.0 / 60,
	ActionDescribeList: 600.0 / 60,
	// The table lists DescribeCustomerGateways at 600 a minute; the
	// singular call is assumed to share it (unconfirmed).
	ActionDescribeCustomerGateway: 600.0 / 60,
}

// Limiter paces the API calls of one region so that a batch stays under
// the quota instead of discovering it through Throttling answers. It is
// shared by every worker of the region (Client calls Wait before each
// request) and adapts: a Throttling answer halves the rate (at most once
// per cool-down, so one burst of throttled answers is one cut), and after
// a quiet spell the rate climbs back towards the configured one by a
// twentieth of it per second. Waiters are served in arrival order.
type Limiter struct {
	shared  *bucket            // one budget for every action (--rate)
	buckets map[string]*bucket // per-action budgets (DefaultQuotas)

	waits, throttles, cuts atomic.Int64
}

// NewLimiter returns a limiter with one budget of rate requests per second
// for every action together.
func NewLimiter(rate float64) *Limiter {
	return &Limiter{shared: newBucket(rate)}
}

// NewActionLimiter returns a limiter with one budget per action, in
// requests per second; actions not listed are not limited.
func NewActionLimiter(quotas map[string]float64) *Limiter {
	l := &Limiter{buckets: map[string]*bucket{}}
	for a, r := range quotas {
		l.buckets[a] = newBucket(r)
	}
	return l
}

func (l *Limiter) bucket(action string) *bucket {
	if l == nil {
		return nil
	}
	if l.shared != nil {
		return l.shared
	}
	return l.buckets[action]
}

// Wait blocks until action may be sent, or ctx is done.
func (l *Limiter) Wait(ctx context.Context, action string) error {
	b := l.bucket(action)
	if b == nil {
		return nil
	}
	l.waits.Add(1)
	start := time.Now()
	err := b.wait(ctx)
	addQueued(ctx, time.Since(start))
	return err
}

// Throttled tells the limiter that action was answered Throttling*.
func (l *Limiter) Throttled(action string) {
	b := l.bucket(action)
	if b == nil {
		return
	}
	l.throttles.Add(1)
	if b.cut(time.Now()) {
		l.cuts.Add(1)
	}
}

// Rate is the current rate of action's budget (0: not limited).
func (l *Limiter) Rate(action string) float64 {
	b := l.bucket(action)
	if b == nil {
		return 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recover(time.Now())
	return b.rate
}

// LimiterStats count what a limiter did.
type LimiterStats struct {
	// Throttles is the number of Throttling answers reported; Cuts how
	// many of them lowered the rate.
	Throttles, Cuts int64
}

// Stats returns the limiter's counters.
func (l *Limiter) Stats() LimiterStats {
	if l == nil {
		return LimiterStats{}
	}
	return LimiterStats{Throttles: l.throttles.Load(), Cuts: l.cuts.Load()}
}

// String describes the configured budgets, for messages.
func (l *Limiter) String() string {
	if l == nil {
		return "no rate limit"
	}
	if l.shared != nil {
		return fmt.Sprintf("%g requests/s", l.shared.max)
	}
	return "the default quotas"
}

const (
	// cutFactor is what a Throttling answer multiplies the rate by.
	cutFactor = 0.5
	// floorDivisor: the rate never drops below max/floorDivisor.
	floorDivisor = 32
	// raisePerSecond is the share of the configured rate regained per
	// second once no Throttling answer came for quietAfter.
	raisePerSecond = 0.05
)

// bucket is a token bucket of depth one: requests leave at most one
// interval (1/rate) apart. Depth one keeps a batch from bursting past
// a quota that is counted over a sliding window.
type bucket struct {
	// turn serialises waiters: a blocked channel receive is served in
	// FIFO order, so no worker starves.
	turn chan struct{}

	mu        sync.Mutex
	max, rate float64
	next      time.Time // earliest start of the next request
	lastCut   time.Time
	lastRaise time.Time
}

func newBucket(rate float64) *bucket {
	b := &bucket{turn: make(chan struct{}, 1), max: rate, rate: rate}
	b.turn <- struct{}{}
	return b
}

func interval(rate float64) time.Duration { return time.Duration(float64(time.Second) / rate) }

// cooldown is how long after a cut further Throttling answers are taken
// for echoes of the same overload: the requests already under way when
// the rate was cut.
func (b *bucket) cooldown() time.Duration {
	return min(max(time.Second, 4*interval(b.rate)), 10*time.Second)
}

func (b *bucket) wait(ctx context.Context) error {
	select {
	case <-b.turn:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { b.turn <- struct{}{} }()
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		b.mu.Lock()
		now := time.Now()
		b.recover(now)
		if !b.next.After(now) {
			// Keep to the schedule (a late timer must not slow the whole
			// batch down), but never bank more than one interval of idle
			// time: that would be a burst.
			base := b.next
			if now.Sub(base) > interval(b.rate) {
				base = now
			}
			b.next = base.Add(interval(b.rate))
			b.mu.Unlock()
			return nil
		}
		d := b.next.Sub(now)
		b.mu.Unlock()
		if t == nil {
			t = time.NewTimer(d)
		} else {
			t.Reset(d)
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// cut lowers the rate after a Throttling answer; it reports whether it
// did (not within the cool-down of the previous cut).
func (b *bucket) cut(now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.recover(now)
	if !b.lastCut.IsZero() && now.Sub(b.lastCut) < b.cooldown() {
		return false
	}
	b.rate = max(b.max/floorDivisor, b.rate*cutFactor)
	b.lastCut, b.lastRaise = now, now
	// Give the quota's window time to drain before the next request.
	if next := now.Add(interval(b.rate)); next.After(b.next) {
		b.next = next
	}
	return true
}

// recover raises the rate again once no cut happened for a while.
func (b *bucket) recover(now time.Time) {
	if b.rate >= b.max || now.Sub(b.lastCut) < 2*b.cooldown() {
		return
	}
	from := b.lastRaise
	if d := b.lastCut.Add(2 * b.cooldown()); d.After(from) {
		from = d
	}
	if el := now.Sub(from).Seconds(); el > 0 {
		b.rate = min(b.max, b.rate+b.max*raisePerSecond*el)
		b.lastRaise = now
	}
}
