package export

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/api"
)

// gwSource answers DescribeCustomerGateway after a pause, counting calls;
// errs, when set, fails the calls for an ID.
type gwSource struct {
	calls atomic.Int64
	errs  map[string]error
	pause time.Duration
}

func (g *gwSource) DescribeCustomerGateway(ctx context.Context, id string) (*api.CustomerGatewayResult, error) {
	g.calls.Add(1)
	time.Sleep(g.pause)
	if err := g.errs[id]; err != nil {
		return nil, err
	}
	return &api.CustomerGatewayResult{Gateway: &api.CustomerGateway{CustomerGatewayID: id}}, nil
}

// TestGatewayCache: connections that share a customer gateway read it
// once, also when they ask at the same time; a refused permission stops
// the calls for the run; a failure that may pass later is not kept.
func TestGatewayCache(t *testing.T) {
	src := &gwSource{pause: 5 * time.Millisecond, errs: map[string]error{
		"cgw-busy": &api.CallError{Action: api.ActionDescribeCustomerGateway, Err: &api.APIError{Code: "ServiceUnavailable"}},
	}}
	c := newGatewayCache()
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := c.get(t.Context(), src, "cgw-shared")
			assert.NoError(t, err)
			assert.Equal(t, "cgw-shared", g.Gateway.CustomerGatewayID)
		}()
	}
	wg.Wait()
	assert.Equal(t, int64(1), src.calls.Load(), "20 connections sharing a gateway")

	_, err := c.get(t.Context(), src, "cgw-busy")
	require.Error(t, err)
	_, err = c.get(t.Context(), src, "cgw-busy")
	require.Error(t, err)
	assert.Equal(t, int64(3), src.calls.Load(), "a retryable failure is asked again")

	src.errs["cgw-denied"] = &api.CallError{Action: api.ActionDescribeCustomerGateway, Err: &api.APIError{Code: "Forbidden.RAM"}}
	_, err = c.get(t.Context(), src, "cgw-denied")
	require.Error(t, err)
	_, err = c.get(t.Context(), src, "cgw-other")
	assert.True(t, errors.Is(err, src.errs["cgw-denied"]) || err == src.errs["cgw-denied"], "%v", err)
	assert.Equal(t, int64(4), src.calls.Load(), "no call after the permission was refused")

	fresh, many := newGatewayCache(), &gwSource{}
	for i := range maxCachedGateways + 10 {
		_, err := fresh.get(t.Context(), many, fmt.Sprintf("cgw-%d", i))
		require.NoError(t, err)
	}
	assert.Equal(t, maxCachedGateways, len(fresh.m), "the cache is bounded")
	fresh.get(t.Context(), many, "cgw-0")
	assert.Equal(t, int64(maxCachedGateways+11), many.calls.Load(), "the oldest gateway was dropped")
}
