package fakealiyun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Version is the only API version the fake answers.
const Version = "2016-04-28"

// Options configure a Server.
type Options struct {
	// AccessKeyID and AccessKeySecret are the only credentials accepted.
	AccessKeyID, AccessKeySecret string
	// SecurityToken, when set, must come in x-acs-security-token (STS).
	SecurityToken string
	// Region is the region of connections added without one; calls for
	// a connection in another region answer
	// InvalidVpnConnectionInstanceId.NotFound like the real API.
	Region string
	// Regions are listed by DescribeRegions, besides Region and the
	// regions of the connections served.
	Regions []string
	// Latency delays every answer.
	Latency time.Duration
	// RateLimit is requests per second accepted per region, all actions
	// together (token bucket, burst of one second's worth); beyond it
	// requests get Throttling.User. 0 is unlimited. (Alibaba counts per
	// region, API and account: docs/alibaba-api.md §7.1.)
	RateLimit float64
	// Now is the clock for x-acs-date checks; time.Now when nil.
	Now func() time.Time
}

// FaultKind is an injected failure.
type FaultKind int

const (
	// Throttle answers 400 Throttling.User.
	Throttle FaultKind = iota + 1
	// Unavailable answers 503 ServiceUnavailable.
	Unavailable
	// Internal answers 500 InternalError.
	Internal
	// Drop closes the connection without an answer.
	Drop
	// Forbidden answers 403 Forbidden (missing RAM permission).
	Forbidden
	// NotFound answers 404 InvalidVpnConnectionInstanceId.NotFound.
	NotFound
	// Slow delays the answer by Fault.Delay, then serves it normally.
	Slow
	// Block holds the request until the client goes away (for
	// cancellation tests).
	Block
)

// Fault injects Kind into requests matching Action and ConnectionID (empty
// matches any), for the first Times matches (negative: forever).
type Fault struct {
	Action       string
	ConnectionID string
	Kind         FaultKind
	Times        int
	Delay        time.Duration
}

// Stats count what the fake saw.
type Stats struct {
	Requests      int64
	ByAction      map[string]int64
	Throttled     int64
	BadSignatures int64
	Served        int64 // successful answers
	MaxInFlight   int64
}

// Server is the fake endpoint.
type Server struct {
	URL string

	ts   *httptest.Server
	opts Options

	mu       sync.Mutex
	conns    map[string]Connection
	order    []string
	gens     []generator
	faults   []*Fault
	nonces   map[string]bool
	byAction map[string]int64
	lastErr  string

	requests, throttled, badSig, served atomic.Int64
	inFlight, maxInFlight               atomic.Int64

	bucketMu sync.Mutex
	buckets  map[string]*tokenBucket // per region
}

// generator serves count connections built on demand.
type generator struct {
	region, prefix string
	count          int
	gen            func(id string, i int) Connection
}

func (g generator) id(i int) string { return fmt.Sprintf("%s%06d", g.prefix, i) }

type tokenBucket struct {
	tokens float64
	last   time.Time
}

// New starts a fake endpoint on 127.0.0.1. Close it when done.
func New(opts Options) *Server {
	if opts.Region == "" {
		opts.Region = "cn-shanghai"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:     opts,
		conns:    map[string]Connection{},
		nonces:   map[string]bool{},
		byAction: map[string]int64{},
		buckets:  map[string]*tokenBucket{},
	}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.ts.URL
	return s
}

// Close stops the server.
func (s *Server) Close() {
	s.ts.CloseClientConnections()
	s.ts.Close()
}

// Add serves connections, listed in the order added.
func (s *Server) Add(cs ...Connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range cs {
		if _, dup := s.conns[c.ID]; !dup {
			s.order = append(s.order, c.ID)
		}
		s.conns[c.ID] = c
	}
}

// Generate serves count connections named prefix+"%06d" (i from 0) in
// Options.Region, built on demand by gen: the benchmark's thousands of
// fixtures then cost no memory.
func (s *Server) Generate(prefix string, count int, gen func(id string, i int) Connection) {
	s.GenerateIn(s.opts.Region, prefix, count, gen)
}

// GenerateIn is Generate for another region. Each call adds a generator;
// prefixes must differ.
func (s *Server) GenerateIn(region, prefix string, count int, gen func(id string, i int) Connection) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gens = append(s.gens, generator{region: region, prefix: prefix, count: count, gen: gen})
}

// GeneratedID is the ID of connection i of the first generator.
func (s *Server) GeneratedID(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gens[0].id(i)
}

// regionOf is the region a connection is served in.
func (s *Server) regionOf(c Connection) string {
	if c.Region != "" {
		return c.Region
	}
	return s.opts.Region
}

// Inject adds a fault.
func (s *Server) Inject(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// Stats returns a snapshot of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	by := make(map[string]int64, len(s.byAction))
	for k, v := range s.byAction {
		by[k] = v
	}
	s.mu.Unlock()
	return Stats{
		Requests: s.requests.Load(), ByAction: by, Throttled: s.throttled.Load(),
		BadSignatures: s.badSig.Load(), Served: s.served.Load(), MaxInFlight: s.maxInFlight.Load(),
	}
}

// LastRejection is the reason of the last rejected signature, for test
// failure messages.
func (s *Server) LastRejection() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastErr
}

// lookup finds a connection and the region it is in.
func (s *Server) lookup(id string) (Connection, string, bool) {
	s.mu.Lock()
	if c, ok := s.conns[id]; ok {
		s.mu.Unlock()
		return c, s.regionOf(c), true
	}
	gens := s.gens
	s.mu.Unlock()
	for _, g := range gens {
		if !strings.HasPrefix(id, g.prefix) {
			continue
		}
		if i, err := strconv.Atoi(strings.TrimPrefix(id, g.prefix)); err == nil && i >= 0 && i < g.count && g.id(i) == id {
			c := g.gen(id, i)
			if c.Region == "" {
				c.Region = g.region
			}
			return c, c.Region, true
		}
	}
	return Connection{}, "", false
}

// regionList is the connections of one region in list order (added ones,
// then generated ones), indexable without building them all.
type regionList struct {
	added []Connection
	gens  []generator
	total int
}

func (s *Server) regionList(region string) regionList {
	s.mu.Lock()
	defer s.mu.Unlock()
	var l regionList
	for _, id := range s.order {
		if c := s.conns[id]; s.regionOf(c) == region {
			l.added = append(l.added, c)
		}
	}
	l.total = len(l.added)
	for _, g := range s.gens {
		if g.region == region {
			l.gens = append(l.gens, g)
			l.total += g.count
		}
	}
	return l
}

func (l regionList) at(i int) Connection {
	if i < len(l.added) {
		return l.added[i]
	}
	i -= len(l.added)
	for _, g := range l.gens {
		if i < g.count {
			return g.gen(g.id(i), i)
		}
		i -= g.count
	}
	panic("fakealiyun: index out of range")
}

// regions lists every region DescribeRegions answers, sorted.
func (s *Server) regions() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{s.opts.Region: true}
	for _, r := range s.opts.Regions {
		seen[r] = true
	}
	for _, c := range s.conns {
		seen[s.regionOf(c)] = true
	}
	for _, g := range s.gens {
		seen[g.region] = true
	}
	out := make([]string, 0, len(seen))
	for r := range seen {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

func (s *Server) matchFault(action, id string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range s.faults {
		if f.Times == 0 {
			continue
		}
		if (f.Action == "" || f.Action == action) && (f.ConnectionID == "" || f.ConnectionID == id) {
			if f.Times > 0 {
				f.Times--
			}
			cp := *f
			return &cp
		}
	}
	return nil
}

// allow takes a token from the region's bucket.
func (s *Server) allow(region string) bool {
	if s.opts.RateLimit <= 0 {
		return true
	}
	s.bucketMu.Lock()
	defer s.bucketMu.Unlock()
	depth := math.Max(1, s.opts.RateLimit)
	b := s.buckets[region]
	if b == nil {
		b = &tokenBucket{tokens: depth}
		s.buckets[region] = b
	}
	now := time.Now()
	if !b.last.IsZero() {
		b.tokens = math.Min(depth, b.tokens+now.Sub(b.last).Seconds()*s.opts.RateLimit)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

var requestSeq atomic.Int64

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	reqID := fmt.Sprintf("FAKE-%08d", requestSeq.Add(1))

	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return
	}
	if s.opts.Latency > 0 && !sleep(r, s.opts.Latency) {
		return
	}
	action := r.Header.Get("x-acs-action")
	s.mu.Lock()
	s.byAction[action]++
	s.mu.Unlock()

	if status, code, msg := s.verify(r, body); code != "" {
		s.badSig.Add(1)
		s.mu.Lock()
		s.lastErr = code + ": " + msg
		s.mu.Unlock()
		writeError(w, status, code, msg, reqID)
		return
	}
	params, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeError(w, 400, "InvalidParameter", "bad query", reqID)
		return
	}
	if form, err := url.ParseQuery(string(body)); err == nil && strings.HasPrefix(r.Header.Get("content-type"), "application/x-www-form-urlencoded") {
		for k, v := range form {
			params[k] = v
		}
	}
	if !s.allow(params.Get("RegionId")) {
		s.throttled.Add(1)
		writeError(w, http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.", reqID)
		return
	}
	id := params.Get("VpnConnectionId")
	if action == "DescribeCustomerGateway" {
		id = params.Get("CustomerGatewayId")
	}
	if f := s.matchFault(action, id); f != nil {
		switch f.Kind {
		case Throttle:
			s.throttled.Add(1)
			writeError(w, http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.", reqID)
			return
		case Unavailable:
			writeError(w, http.StatusServiceUnavailable, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", reqID)
			return
		case Internal:
			writeError(w, http.StatusInternalServerError, "InternalError", "The request processing has failed due to some unknown error.", reqID)
			return
		case Forbidden:
			writeErrorDetail(w, http.StatusForbidden, "Forbidden", "User not authorized to operate on the specified resource.", reqID,
				map[string]any{"AccessDeniedDetail": map[string]any{
					"AuthAction": "vpc:" + action, "NoPermissionType": "ImplicitDeny", "PolicyType": "AccountLevelIdentityBasedPolicy",
					"AuthPrincipalType": "SubUser", "AuthPrincipalDisplayName": "vpnexport-test",
				}})
			return
		case NotFound:
			writeError(w, http.StatusNotFound, "InvalidVpnConnectionInstanceId.NotFound", "The specified vpn connection instance id does not exist.", reqID)
			return
		case Drop:
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		case Slow:
			if !sleep(r, f.Delay) {
				return
			}
		case Block:
			<-r.Context().Done()
			return
		}
	}

	region := params.Get("RegionId")
	if region == "" {
		writeError(w, 400, "MissingParameter", "The input parameter \"RegionId\" that is mandatory for processing this request is not supplied.", reqID)
		return
	}
	switch action {
	case "DownloadVpnConnectionConfig", "DescribeVpnConnection":
		if id == "" {
			writeError(w, 400, "MissingParameter", "The input parameter \"VpnConnectionId\" that is mandatory for processing this request is not supplied.", reqID)
			return
		}
		c, in, ok := s.lookup(id)
		if !ok || region != in {
			writeError(w, http.StatusNotFound, "InvalidVpnConnectionInstanceId.NotFound", "The specified vpn connection instance id does not exist.", reqID)
			return
		}
		src := c.Download
		if action == "DescribeVpnConnection" {
			src = c.Describe
		}
		out := map[string]any{"RequestId": reqID}
		for k, v := range src {
			out[k] = v
		}
		s.writeJSON(w, out)
	case "DescribeVpnConnections":
		s.list(w, params, region, reqID)
	case "DescribeRegions":
		var list []map[string]any
		for _, r := range s.regions() {
			list = append(list, map[string]any{"RegionId": r, "LocalName": r, "RegionEndpoint": "vpc." + r + ".aliyuncs.com"})
		}
		s.writeJSON(w, map[string]any{"RequestId": reqID, "Regions": map[string]any{"Region": list}})
	case "DescribeCustomerGateway":
		if id == "" {
			writeError(w, 400, "MissingParameter", "The input parameter \"CustomerGatewayId\" that is mandatory for processing this request is not supplied.", reqID)
			return
		}
		g, in, ok := s.customerGateway(id)
		if !ok || region != in {
			writeError(w, http.StatusNotFound, "InvalidCustomerGatewayInstanceId.NotFound", "The specified customer gateway instance id does not exist.", reqID)
			return
		}
		out := map[string]any{"RequestId": reqID}
		for k, v := range g {
			out[k] = v
		}
		s.writeJSON(w, out)
	default:
		writeError(w, http.StatusNotFound, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", reqID)
	}
}

// customerGateway finds a customer gateway among the connections' ones,
// and the region it is in. Generated connections are built one by one
// until one has it: fixtures share few gateways.
func (s *Server) customerGateway(id string) (map[string]any, string, bool) {
	find := func(c Connection) (map[string]any, bool) {
		for _, g := range c.CustomerGateways {
			if g["CustomerGatewayId"] == id {
				return g, true
			}
		}
		return nil, false
	}
	s.mu.Lock()
	for _, cid := range s.order {
		if g, ok := find(s.conns[cid]); ok {
			region := s.regionOf(s.conns[cid])
			s.mu.Unlock()
			return g, region, true
		}
	}
	gens := s.gens
	s.mu.Unlock()
	for _, gn := range gens {
		for i := range gn.count {
			c := gn.gen(gn.id(i), i)
			if g, ok := find(c); ok {
				region := c.Region
				if region == "" {
					region = gn.region
				}
				return g, region, true
			}
		}
	}
	return nil, "", false
}

// listed is a connection as DescribeVpnConnections lists it: like
// DescribeVpnConnection, but VpnBgpConfig has no EnableBgp
// (docs/alibaba-api.md "BGP passwords").
func listed(d map[string]any) map[string]any {
	b, ok := d["VpnBgpConfig"].(map[string]any)
	if !ok {
		return d
	}
	out := make(map[string]any, len(d))
	for k, v := range d {
		out[k] = v
	}
	nb := make(map[string]any, len(b))
	for k, v := range b {
		if k != "EnableBgp" {
			nb[k] = v
		}
	}
	out["VpnBgpConfig"] = nb
	return out
}

func (s *Server) list(w http.ResponseWriter, params url.Values, region, reqID string) {
	num, size := 1, 10
	if v := params.Get("PageNumber"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, 400, "InvalidParameter", "PageNumber", reqID)
			return
		}
		num = n
	}
	if v := params.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			writeError(w, 400, "InvalidParameter", "PageSize must be 1-50", reqID)
			return
		}
		size = n
	}
	l := s.regionList(region)
	total := l.total
	page := []map[string]any{}
	start := (num - 1) * size
	if gw := params.Get("VpnGatewayId"); gw != "" {
		// Filtered: every connection is built once; tests only.
		total = 0
		for i := 0; i < l.total; i++ {
			if c := l.at(i); c.GatewayID == gw {
				if total >= start && total < start+size {
					page = append(page, listed(c.Describe))
				}
				total++
			}
		}
	} else {
		for i := start; i < min(start+size, total); i++ {
			page = append(page, listed(l.at(i).Describe))
		}
	}
	s.writeJSON(w, map[string]any{
		"RequestId": reqID, "TotalCount": total, "PageNumber": num, "PageSize": size,
		"VpnConnections": map[string]any{"VpnConnection": page},
	})
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		writeError(w, 500, "InternalError", err.Error(), "")
		return
	}
	s.served.Add(1)
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.Write(data)
}

func writeError(w http.ResponseWriter, status int, code, msg, reqID string) {
	writeErrorDetail(w, status, code, msg, reqID, nil)
}

// writeErrorDetail writes Alibaba's error envelope (docs/alibaba-api.md "Errors and retries"),
// plus extra fields such as AccessDeniedDetail.
func writeErrorDetail(w http.ResponseWriter, status int, code, msg, reqID string, extra map[string]any) {
	body := map[string]any{
		"RequestId": reqID, "HostId": "vpc.aliyuncs.com", "Code": code, "Message": msg,
		"Recommend": "https://api.alibabacloud.com/troubleshoot?q=" + url.QueryEscape(code),
	}
	for k, v := range extra {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func sleep(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// requiredSigned are the headers every V3 request must sign.
var requiredSigned = []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}

// verify checks the request's V3 signature and the headers it covers. It
// returns the API error to answer, or code "" when the request is good.
func (s *Server) verify(r *http.Request, body []byte) (status int, code, msg string) {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return 400, "MissingAuthorization", "Authorization header is not supplied."
	}
	a, err := parseAuthorization(auth)
	if err != nil {
		return 400, "IncompleteSignature", err.Error()
	}
	if a.keyID != s.opts.AccessKeyID {
		return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
	}
	signed := map[string]bool{}
	for _, h := range a.signedHeaders {
		if h != strings.ToLower(h) {
			return 400, "IncompleteSignature", "SignedHeaders must be lower case: " + h
		}
		signed[h] = true
	}
	for _, h := range requiredSigned {
		if !signed[h] {
			return 400, "IncompleteSignature", "header " + h + " is not signed"
		}
	}
	// An unsigned x-acs-* header could be changed in transit.
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") && !signed[l] {
			return 400, "IncompleteSignature", "header " + l + " is not signed"
		}
	}
	if v := r.Header.Get("x-acs-version"); v != Version {
		return 400, "InvalidVersion", fmt.Sprintf("Specified parameter Version %q is not valid.", v)
	}
	sum := sha256.Sum256(body)
	if got := r.Header.Get("x-acs-content-sha256"); !strings.EqualFold(got, hex.EncodeToString(sum[:])) {
		return 400, "IncompleteSignature", "x-acs-content-sha256 does not match the body"
	}
	ts, err := time.Parse("2006-01-02T15:04:05Z", r.Header.Get("x-acs-date"))
	if err != nil {
		return 400, "IllegalTimestamp", "x-acs-date is not yyyy-MM-ddTHH:mm:ssZ"
	}
	if d := s.opts.Now().Sub(ts); d > 15*time.Minute || d < -15*time.Minute {
		return 400, "IllegalTimestamp", "x-acs-date is more than 15 minutes off"
	}
	if s.opts.SecurityToken != "" {
		if r.Header.Get("x-acs-security-token") != s.opts.SecurityToken {
			return 400, "InvalidSecurityToken.Malformed", "The security token is missing or wrong."
		}
	} else if r.Header.Get("x-acs-security-token") != "" {
		return 400, "InvalidSecurityToken.Malformed", "A security token was sent for an AccessKey that has none."
	}
	in, err := inputFromRequest(r, body, a.signedHeaders)
	if err != nil {
		return 400, "IncompleteSignature", err.Error()
	}
	want := Signature(s.opts.AccessKeySecret, StringToSign(CanonicalRequest(in)))
	if !hmac.Equal([]byte(want), []byte(strings.ToLower(a.signature))) {
		// The real API quotes its string to sign; so does the fake.
		return 400, "SignatureDoesNotMatch", "Specified signature does not match our calculation. server string to sign is:" + StringToSign(CanonicalRequest(in))
	}
	nonce := r.Header.Get("x-acs-signature-nonce")
	s.mu.Lock()
	used := s.nonces[nonce]
	s.nonces[nonce] = true
	s.mu.Unlock()
	if used {
		return 400, "SignatureNonceUsed", "Specified signature nonce was used already."
	}
	return 0, "", ""
}
