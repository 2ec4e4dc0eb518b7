// Package fakealiyun is an httptest fake of Alibaba Cloud's VPC endpoint
// for vpnexport's tests and benchmark. It checks every request the way the
// real endpoint does: the ACS3-HMAC-SHA256 signature is recomputed here
// with an implementation of the documented algorithm written from the
// documentation, not taken from the SDK under test (a bug shared by the
// signer and the verifier would otherwise go unnoticed).
package fakealiyun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// Algorithm is the signature algorithm name in Authorization.
const Algorithm = "ACS3-HMAC-SHA256"

// EmptyHash is the hex SHA-256 of an empty body.
const EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// SignInput is everything the V3 signature covers.
type SignInput struct {
	Method string
	// URI is the path; "/" for RPC APIs.
	URI string
	// Query is the decoded query (and, for RPC, form) parameters.
	Query url.Values
	// Headers are the signed headers, lower-case names.
	Headers map[string]string
	// SignedHeaders lists the header names that are signed, lower case.
	SignedHeaders []string
	// PayloadHash is hex SHA-256 of the body.
	PayloadHash string
}

// percentEncode is RFC 3986 encoding as the documentation specifies:
// A-Z a-z 0-9 - _ . ~ kept, everything else %XY in upper case (so a space
// is %20, never +, and * is %2A).
func percentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// CanonicalRequest builds the documented canonical request: method, URI,
// sorted encoded query, "name:value\n" for each signed header (sorted),
// the signed header names joined by ';', and the payload hash, joined by
// newlines with none at the end.
func CanonicalRequest(in SignInput) string {
	type kv struct{ k, v string }
	var q []kv
	for k, vs := range in.Query {
		for _, v := range vs {
			q = append(q, kv{percentEncode(k), percentEncode(v)})
		}
	}
	sort.Slice(q, func(i, j int) bool {
		if q[i].k != q[j].k {
			return q[i].k < q[j].k
		}
		return q[i].v < q[j].v
	})
	parts := make([]string, len(q))
	for i, p := range q {
		parts[i] = p.k + "=" + p.v
	}
	names := append([]string(nil), in.SignedHeaders...)
	sort.Strings(names)
	var h strings.Builder
	for _, n := range names {
		h.WriteString(n + ":" + strings.TrimSpace(in.Headers[n]) + "\n")
	}
	uri := in.URI
	if uri == "" {
		uri = "/"
	}
	return strings.Join([]string{
		in.Method,
		uri,
		strings.Join(parts, "&"),
		h.String(),
		strings.Join(names, ";"),
		in.PayloadHash,
	}, "\n")
}

// StringToSign is "ACS3-HMAC-SHA256\n" + hex(SHA-256(canonical request)).
func StringToSign(canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// Signature is hex(HMAC-SHA256(secret, string to sign)): the raw secret,
// no "&" appended (that was V1).
func Signature(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// Authorization is the header value for a signed request.
func Authorization(keyID, secret string, in SignInput) string {
	names := append([]string(nil), in.SignedHeaders...)
	sort.Strings(names)
	return fmt.Sprintf("%s Credential=%s,SignedHeaders=%s,Signature=%s",
		Algorithm, keyID, strings.Join(names, ";"), Signature(secret, StringToSign(CanonicalRequest(in))))
}

// parsedAuth is a parsed Authorization header.
type parsedAuth struct {
	keyID         string
	signedHeaders []string
	signature     string
}

func parseAuthorization(h string) (parsedAuth, error) {
	alg, rest, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || alg != Algorithm {
		return parsedAuth{}, fmt.Errorf("Authorization does not start with %s", Algorithm)
	}
	var a parsedAuth
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return parsedAuth{}, fmt.Errorf("Authorization: malformed part %q", part)
		}
		switch k {
		case "Credential":
			a.keyID = v
		case "SignedHeaders":
			a.signedHeaders = strings.Split(v, ";")
		case "Signature":
			a.signature = v
		}
	}
	if a.keyID == "" || len(a.signedHeaders) == 0 || a.signature == "" {
		return parsedAuth{}, errors.New("Authorization lacks Credential, SignedHeaders or Signature")
	}
	return a, nil
}

// inputFromRequest rebuilds the signature input from a received request.
// The body must already be read; V3 covers it only through its hash, so a
// form body's parameters are not part of the canonical query.
func inputFromRequest(r *http.Request, body []byte, signed []string) (SignInput, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return SignInput{}, fmt.Errorf("query: %w", err)
	}
	sum := sha256.Sum256(body)
	in := SignInput{
		Method:        r.Method,
		URI:           r.URL.EscapedPath(),
		Query:         q,
		Headers:       map[string]string{},
		SignedHeaders: signed,
		PayloadHash:   hex.EncodeToString(sum[:]),
	}
	for _, n := range signed {
		if n == "host" {
			in.Headers[n] = r.Host
			continue
		}
		vals := append([]string(nil), r.Header.Values(n)...)
		sort.Strings(vals)
		in.Headers[n] = strings.Join(vals, ",")
	}
	return in, nil
}
