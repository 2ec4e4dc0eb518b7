package render

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/vpnexport/vpnexport/vpn"
)

// Helpers shared by the Cisco IOS-XE and ASA renderers (ciscoios.go,
// ciscoasa.go): both CLIs take pre-shared keys as a bare word, both use
// dotted masks and "!" comments.
//
// Where the Cisco mappings were checked (besides vendors.md §3, §4, §8-§10):
//   - Field Notice FN72510 (IOS-XE 17.11.1+ weak-algorithm table: isakmp
//     des/3des/md5/group 1/2/5, IKEv2 proposal also group 24, transform
//     sets esp-des/esp-3des/esp-md5-hmac, set pfs; compliance shield).
//   - Cisco IOS Security Command Reference, "crypto isakmp aggressive-mode
//     disable" through "crypto map" (isakmp profile, keyring, nat keepalive).
//   - IOS-XE "crypto ikev2 proposal" encryption help (aes-cbc-128/192/256,
//     des, 3des) and the IOS-XE provider's IKEv2 proposal model (group 24).
//   - Cisco FMC/FTD data models for IKEv1/IKEv2 policies and IPsec
//     proposals (netascode.cisco.com, developer.cisco.com FDM API): IKEv1
//     hash SHA or MD5 only, IKEv1 DH 1-14, IKEv1 IPsec hash SHA, MD5 or
//     none, IKEv2 integrity/PRF up to SHA-512, lifetimes 120-2147483647 s.
//   - ASA VPN configuration guides 9.7, 9.12, 9.15, "Virtual Tunnel
//     Interface" (9.7: IKEv1 only; tunnel-group name = peer identity; SAs
//     rekeyed regardless of traffic) and ASDM "IKE" (NAT-T on by default).
//
// Unconfirmed on a device: IOS "initiate mode aggressive", ASA "set
// phase1-mode aggressive", group 24 per ASA release, the IKEv2 profile
// lifetime range, '?' opening help inside a pasted comment.

// checkCiscoPSK refuses a pre-shared key the Cisco CLI cannot take as a
// bare word. Neither IOS nor ASA has a quoting or escaping syntax for keys:
//   - '?' opens the context help as soon as it is typed or pasted, so the
//     rest of the key is lost;
//   - a space ends the word (IOS would store a shorter key or reject the
//     line), and control characters or a newline would start a new command;
//   - '"' is kept literally by some releases and stripped by others
//     (unconfirmed per release), so the stored key would be unpredictable;
//   - non-ASCII bytes are not accepted on the console;
//   - a one-digit key such as "0", "6", "7" or "8" is read as the
//     encryption-type argument, which then waits for the real key.
//
// The error names the tunnel and the offending character class, never the
// key itself.
func checkCiscoPSK(platform string, t vpn.Tunnel) error {
	psk := t.PSK.Reveal()
	fix := "change the key on Alibaba (letters, digits and punctuation other than ? and \")"
	if psk == "" {
		return fmt.Errorf("%s: the pre-shared key is empty; %s needs one", t.Label(), platform)
	}
	for i, r := range psk {
		var what string
		switch {
		case r == '?':
			what = "'?', which opens the CLI help instead of being stored"
		case r == '"':
			what = "a double quote, which the CLI may keep or strip depending on the release"
		case r == ' ':
			what = "a space, which ends the key"
		case r < 0x20 || r == 0x7f:
			what = "a control character, which would end the command line"
		case r > 0x7e:
			what = "a non-ASCII character"
		default:
			continue
		}
		return fmt.Errorf("%s: the pre-shared key cannot be entered on %s: character %d is %s; %s", t.Label(), platform, i+1, what, fix)
	}
	if len(psk) == 1 && psk[0] >= '0' && psk[0] <= '9' {
		return fmt.Errorf("%s: the pre-shared key cannot be entered on %s: a one-digit key is read as the key-type argument; %s", t.Label(), platform, fix)
	}
	if len(psk) > 128 {
		return fmt.Errorf("%s: the pre-shared key has %d characters; %s takes at most 128", t.Label(), len(psk), platform)
	}
	return nil
}

// ciscoNet is "network mask" as IOS routes, ASA objects and ACLs write it.
func ciscoNet(p netip.Prefix) string {
	return p.Masked().Addr().String() + " " + dottedMask(p.Bits(), false)
}

// ciscoWildcardNet is "network wildcard" as IOS ACLs write it.
func ciscoWildcardNet(p netip.Prefix) string {
	return p.Masked().Addr().String() + " " + dottedMask(p.Bits(), true)
}

// ciscoObjName joins a base name and a suffix, keeping within max
// characters by shortening the base (the suffix carries the uniqueness).
func ciscoObjName(base string, max int, suffix string) string {
	if suffix == "" {
		return base
	}
	if len(base)+1+len(suffix) > max {
		base = strings.TrimRight(base[:max-1-len(suffix)], "-_")
	}
	return base + "-" + suffix
}

// tunnelSuffix is "" for a single tunnel and "t1"/"t2" for dual tunnels,
// so single-tunnel names stay short and dual-tunnel names never collide.
func tunnelSuffix(c vpn.Connection, t vpn.Tunnel, more string) string {
	s := more
	if c.Dual() {
		s = fmt.Sprintf("t%d", t.Index)
		if more != "" {
			s += "-" + more
		}
	}
	return s
}

// remoteIDAddr is the address the peer identifies with: its ID when that
// is an address, else its gateway address.
func remoteIDAddr(t vpn.Tunnel) netip.Addr {
	if t.RemoteID.Kind == vpn.IDAddress {
		return t.RemoteID.Addr
	}
	return t.RemoteAddr
}

// parseVersion reads "17.12" or "17.12.4a" into (17, 12).
func parseVersion(s string) (major, minor int, ok bool) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	maj, err1 := strconv.Atoi(parts[0])
	min := parts[1]
	// keep leading digits of the minor part ("12a" → 12)
	n := 0
	for n < len(min) && min[n] >= '0' && min[n] <= '9' {
		n++
	}
	mi, err2 := strconv.Atoi(min[:n])
	if err1 != nil || err2 != nil || maj < 0 {
		return 0, 0, false
	}
	return maj, mi, true
}

// shortest returns the smaller of two durations.
func shortest(a, b time.Duration) time.Duration {
	if b < a {
		return b
	}
	return a
}

// ciscoComments makes text safe inside "!" comment lines: a control
// character (a newline above all) would start a new, uncommented command,
// '?' opens the CLI help even after "!" while a configuration is being
// pasted, and the console takes ASCII only, so all three are replaced.
// Comment text includes the connection name, which need not come from a
// file name.
func ciscoComments(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Map(func(r rune) rune {
			switch {
			case r == '?':
				return '_'
			case r < 0x20 || r == 0x7f:
				return ' '
			case r > 0x7e:
				return '_' // the console takes ASCII only
			}
			return r
		}, l)
	}
	return out
}

// numberRange is "10" or "10-11": the n numbers from first on.
func numberRange(first, n int) string {
	if n <= 1 {
		return strconv.Itoa(first)
	}
	return fmt.Sprintf("%d-%d", first, first+n-1)
}
