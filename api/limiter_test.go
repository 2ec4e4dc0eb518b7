package api

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestLimiterPacesAllWorkers: however many workers wait, requests leave
// at the configured rate, not faster.
func TestLimiterPacesAllWorkers(t *testing.T) {
	l := NewLimiter(100) // 10 ms apart
	var mu sync.Mutex
	var times []time.Time
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if err := l.Wait(t.Context(), ActionDownload); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(times) != 48 {
		t.Fatalf("%d requests", len(times))
	}
	first, last := times[0], times[0]
	for _, tm := range times {
		if tm.Before(first) {
			first = tm
		}
		if tm.After(last) {
			last = tm
		}
	}
	// 48 requests at 100/s: 47 intervals of 10 ms.
	if span := last.Sub(first); span < 440*time.Millisecond {
		t.Errorf("48 requests in %v: faster than 100/s", span)
	}
}

// TestLimiterBacksOffAndRecovers: a Throttling answer halves the rate; a
// burst of throttled answers (the requests already under way) cuts only
// once; after a quiet spell the rate climbs back gradually, never past
// the configured one.
func TestLimiterBacksOffAndRecovers(t *testing.T) {
	b := newBucket(20)
	now := time.Now()
	if !b.cut(now) || b.rate != 10 {
		t.Fatalf("after a throttle: rate %v, want 10", b.rate)
	}
	for i := range 10 {
		if b.cut(now.Add(time.Duration(i) * 50 * time.Millisecond)) {
			t.Fatalf("cut again within the cool-down (%d)", i)
		}
	}
	if !b.cut(now.Add(1100*time.Millisecond)) || b.rate != 5 {
		t.Fatalf("second overload: rate %v, want 5", b.rate)
	}
	now = now.Add(1100 * time.Millisecond)
	for range 20 {
		now = now.Add(b.cooldown() + time.Millisecond)
		b.cut(now)
	}
	if b.rate != 20.0/floorDivisor {
		t.Fatalf("rate %v after a long overload, want the floor %v", b.rate, 20.0/floorDivisor)
	}
	// Quiet: no change within two cool-downs, then a gradual climb.
	last := now
	b.mu.Lock()
	quiet := 2 * b.cooldown()
	b.recover(last.Add(quiet - time.Millisecond))
	if b.rate != 20.0/floorDivisor {
		t.Errorf("recovered within the cool-down: %v", b.rate)
	}
	b.recover(last.Add(quiet + 3*time.Second))
	mid := b.rate
	b.recover(last.Add(time.Minute))
	top := b.rate
	b.mu.Unlock()
	if !(mid > 20.0/floorDivisor && mid < 20) {
		t.Errorf("3 s after the quiet spell began: rate %v, want between the floor and 20", mid)
	}
	if top != 20 {
		t.Errorf("a minute later: rate %v, want back at 20", top)
	}
}

// TestLimiterPerActionQuotas: the default budgets are per action, like
// Alibaba's quotas; an action without a quota is not held.
func TestLimiterPerActionQuotas(t *testing.T) {
	l := NewActionLimiter(map[string]float64{ActionDownload: 1})
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := l.Wait(ctx, ActionDownload); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for range 50 {
		if err := l.Wait(ctx, ActionDescribeList); err != nil {
			t.Fatal(err)
		}
	}
	if time.Since(start) > 50*time.Millisecond {
		t.Error("an unlimited action waited")
	}
	if err := l.Wait(ctx, ActionDownload); err == nil {
		t.Error("second download within a second of the first: want the context to expire first")
	}
	var nl *Limiter
	if err := nl.Wait(ctx, ActionDownload); err != nil {
		t.Error("a nil limiter must not limit")
	}
}
