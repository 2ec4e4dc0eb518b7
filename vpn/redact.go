package vpn

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// SecretKind names what a secret is, in placeholders and messages.
type SecretKind string

const (
	// KindPSK is an IKE pre-shared key.
	KindPSK SecretKind = "PSK"
	// KindBGPKey is a BGP session (TCP MD5) password.
	KindBGPKey SecretKind = "BGP-KEY"
	// KindCredential is an API credential: an AccessKey secret or an STS
	// token.
	KindCredential SecretKind = "CREDENTIAL"
)

// Placeholder is the one text that stands for a secret wherever vpnexport
// hides one: in --redact files, diffs, summaries and messages. tunnel 0
// means the secret belongs to no tunnel (credentials) or the tunnel is
// unknown. Examples: <PSK-REDACTED:tunnel-1>, <CREDENTIAL-REDACTED>.
func Placeholder(kind SecretKind, tunnel int) string {
	if tunnel == 0 {
		return fmt.Sprintf("<%s-REDACTED>", kind)
	}
	return fmt.Sprintf("<%s-REDACTED:tunnel-%d>", kind, tunnel)
}

// ChangedPlaceholder stands for a secret that a diff shows as changed,
// without showing either value: <PSK-CHANGED:tunnel-1>.
func ChangedPlaceholder(kind SecretKind, tunnel int) string {
	if tunnel == 0 {
		return fmt.Sprintf("<%s-CHANGED>", kind)
	}
	return fmt.Sprintf("<%s-CHANGED:tunnel-%d>", kind, tunnel)
}

// MinMaskedSecret is the shortest secret masked by value in free text.
// Masking a one- to three-character secret by value would erase ordinary
// characters of every address and number in the text, and so short a key
// protects nothing anyway; renderers still never print such a key except
// where it is configured.
const MinMaskedSecret = 4

// SecretValue is one secret known by value.
type SecretValue struct {
	Kind   SecretKind
	Tunnel int // 1-based; 0 for none
	Value  string
}

// Secrets lists the connection's secrets: each tunnel's pre-shared key and
// BGP password, in tunnel order. Empty values are left out.
func (c Connection) Secrets() []SecretValue {
	var out []SecretValue
	for _, t := range c.Tunnels {
		if v := t.PSK.Reveal(); v != "" {
			out = append(out, SecretValue{KindPSK, t.Index, v})
		}
		if t.BGP != nil {
			if v := t.BGP.AuthKey.Reveal(); v != "" {
				out = append(out, SecretValue{KindBGPKey, t.Index, v})
			}
		}
	}
	return out
}

// Redactor replaces known secret values in free text (errors, warnings,
// log lines) by their placeholders. It is the one rule vpnexport applies
// everywhere: values shorter than MinMaskedSecret are not masked, longer
// values are replaced first (so a key that contains another key is masked
// whole), and the placeholder says what was hidden. It is safe for
// concurrent use; the zero value is ready and masks nothing.
type Redactor struct {
	mu     sync.RWMutex
	values []SecretValue // longest first
}

// NewRedactor returns a redactor for the given secrets.
func NewRedactor(secrets ...SecretValue) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds secrets; values too short to mask by value are ignored.
func (r *Redactor) Add(secrets ...SecretValue) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if len(s.Value) >= MinMaskedSecret {
			r.values = append(r.values, s)
		}
	}
	sort.SliceStable(r.values, func(i, j int) bool { return len(r.values[i].Value) > len(r.values[j].Value) })
}

// With returns a new redactor holding r's secrets and more: a batch keeps
// one redactor for the credentials and derives one per connection.
func (r *Redactor) With(secrets ...SecretValue) *Redactor {
	out := &Redactor{}
	if r != nil {
		r.mu.RLock()
		out.values = append(out.values, r.values...)
		r.mu.RUnlock()
	}
	out.Add(secrets...)
	return out
}

// Redact masks every known secret in s.
func (r *Redactor) Redact(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, v := range r.values {
		if strings.Contains(s, v.Value) {
			s = strings.ReplaceAll(s, v.Value, Placeholder(v.Kind, v.Tunnel))
		}
	}
	return s
}

// Error returns err with its message redacted, or nil. The result no
// longer wraps err: the original message, which holds the secret, must not
// be reachable through errors.Unwrap either.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	return redactedError{msg: r.Redact(err.Error())}
}

type redactedError struct{ msg string }

func (e redactedError) Error() string { return e.msg }
