package vpn

import (
	"fmt"
	"net/netip"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range ss {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestRouteBased(t *testing.T) {
	tests := []struct {
		local, remote []netip.Prefix
		want          bool
	}{
		{prefixes("0.0.0.0/0"), prefixes("0.0.0.0/0"), true},
		{prefixes("0.0.0.0/0"), prefixes("10.0.0.0/8"), false},
		{prefixes("10.0.0.0/8"), prefixes("0.0.0.0/0"), false},
		{nil, nil, false},
	}
	for _, tc := range tests {
		c := Connection{LocalSubnets: tc.local, RemoteSubnets: tc.remote}
		if got := c.RouteBased(); got != tc.want {
			t.Errorf("RouteBased(%v, %v) = %v, want %v", tc.local, tc.remote, got, tc.want)
		}
	}
}

func TestSubnetPairsOrder(t *testing.T) {
	c := Connection{LocalSubnets: prefixes("10.20.0.0/24", "10.21.0.0/24"), RemoteSubnets: prefixes("10.10.0.0/24", "10.11.0.0/24")}
	got := fmt.Sprint(c.SubnetPairs())
	want := "[{10.20.0.0/24 10.10.0.0/24} {10.20.0.0/24 10.11.0.0/24} {10.21.0.0/24 10.10.0.0/24} {10.21.0.0/24 10.11.0.0/24}]"
	if got != want {
		t.Errorf("SubnetPairs = %s, want %s (local-major, API order)", got, want)
	}
}

func TestSecretFormatting(t *testing.T) {
	s := NewSecret("fake-key")
	for _, format := range []string{"%v", "%s", "%+v", "%#v", "%q"} {
		if got := fmt.Sprintf(format, s); got == "fake-key" || containsKey(got) {
			t.Errorf("Sprintf(%q, secret) = %q: leaks the key", format, got)
		}
	}
	tun := Tunnel{PSK: s}
	if got := fmt.Sprintf("%+v", tun); containsKey(got) {
		t.Errorf("a Tunnel printed with %%+v leaks its key: %s", got)
	}
	if s.Reveal() != "fake-key" {
		t.Error("Reveal must return the key")
	}
}

func containsKey(s string) bool {
	for i := 0; i+len("fake-key") <= len(s); i++ {
		if s[i:i+len("fake-key")] == "fake-key" {
			return true
		}
	}
	return false
}

func TestNames(t *testing.T) {
	for got, want := range map[string]string{
		AES128.String(): "AES-CBC-128", TripleDES.String(): "3DES-CBC",
		SHA256.String(): "HMAC-SHA2-256-128", Group24.String(): "MODP-2048-256 (group 24)",
		NoPFS.String(): "none", RoleMaster.String(): "master", IKEv1.String(): "IKEv1",
		AggressiveMode.String(): "aggressive", FQDNID("a.example").String(): "a.example",
	} {
		if got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
}

func TestTag(t *testing.T) {
	a := Connection{ID: "vco-bp1aaaaaaaaaaaaaaaa"}
	b := Connection{ID: "vco-bp1aaaaaaaaaaaaaaab"}
	if a.Tag() == b.Tag() || len(a.Tag()) != 5 || a.Tag() != a.Tag() {
		t.Fatalf("tags %q %q", a.Tag(), b.Tag())
	}
	tun := Tunnel{Index: 1, LocalAddr: netip.MustParseAddr("198.51.100.1"), RemoteAddr: netip.MustParseAddr("203.0.113.1"), PSK: NewSecret("one")}
	off := Connection{Tunnels: []Tunnel{tun}}
	rotated := off
	rotated.Tunnels = []Tunnel{tun}
	rotated.Tunnels[0].PSK = NewSecret("two")
	rotated.Tunnels[0].IKE.Lifetime = 3600
	if off.Tag() != rotated.Tag() {
		t.Error("a key rotation or a new lifetime changes the tag")
	}
	other := Connection{Tunnels: []Tunnel{tun}}
	other.Tunnels = []Tunnel{tun}
	other.Tunnels[0].RemoteAddr = netip.MustParseAddr("203.0.113.2")
	if off.Tag() == other.Tag() {
		t.Error("two gateways, one tag")
	}
	for _, r := range a.Tag() {
		if !(r >= 'a' && r <= 'z' || r >= '2' && r <= '7') {
			t.Errorf("tag %q has %q", a.Tag(), r)
		}
	}
}
