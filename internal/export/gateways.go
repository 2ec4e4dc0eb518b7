package export

import (
	"context"
	"sync"

	"github.com/vpnexport/vpnexport/api"
)

// maxCachedGateways bounds the customer-gateway cache: a fleet's
// connections often share gateways (one on-prem device, many
// connections), but memory must not grow with the fleet.
const maxCachedGateways = 1024

// gatewayCache keeps DescribeCustomerGateway answers for one region's run,
// so that connections that share a customer gateway read it once (issue
// 17: one request per connection). Concurrent asks for one gateway wait
// for the first. A refused permission is remembered for the whole run:
// every other call would be refused the same way.
type gatewayCache struct {
	mu     sync.Mutex
	m      map[string]*gatewayEntry
	order  []string // insertion order, for eviction
	denied error
}

type gatewayEntry struct {
	done chan struct{}
	res  *api.CustomerGatewayResult
	err  error
}

func newGatewayCache() *gatewayCache { return &gatewayCache{m: map[string]*gatewayEntry{}} }

// get returns gateway id from the cache or from src.
func (c *gatewayCache) get(ctx context.Context, src api.CustomerGatewaySource, id string) (*api.CustomerGatewayResult, error) {
	c.mu.Lock()
	if c.denied != nil {
		err := c.denied
		c.mu.Unlock()
		return nil, err
	}
	if e, ok := c.m[id]; ok {
		c.mu.Unlock()
		select {
		case <-e.done:
			return e.res, e.err
		case <-ctx.Done():
			return nil, &api.CallError{Action: api.ActionDescribeCustomerGateway, Err: ctx.Err()}
		}
	}
	e := &gatewayEntry{done: make(chan struct{})}
	c.m[id] = e
	c.order = append(c.order, id)
	if len(c.order) > maxCachedGateways {
		delete(c.m, c.order[0])
		c.order = c.order[1:]
	}
	c.mu.Unlock()

	e.res, e.err = src.DescribeCustomerGateway(ctx, id)
	c.mu.Lock()
	switch {
	case e.err == nil, api.Classify(e.err) == api.KindOther:
	case api.Classify(e.err) == api.KindPermission:
		c.denied = e.err
	default:
		// Cancelled, or retries spent: the next connection may try again.
		if c.m[id] == e {
			delete(c.m, id)
		}
	}
	c.mu.Unlock()
	close(e.done)
	return e.res, e.err
}
