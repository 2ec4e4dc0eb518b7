package api

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

var (
	connectionIDPattern = regexp.MustCompile(`^vco-[A-Za-z0-9]{1,64}$`)
	gatewayIDPattern    = regexp.MustCompile(`^vpn-[A-Za-z0-9]{1,64}$`)
)

// ValidConnectionID reports an IPsec connection ID: vco- and letters and
// digits.
func ValidConnectionID(id string) bool { return connectionIDPattern.MatchString(id) }

// ValidGatewayID reports a VPN gateway ID: vpn- and letters and digits.
func ValidGatewayID(id string) bool { return gatewayIDPattern.MatchString(id) }

// ReadConnectionIDs reads a list of connection IDs separated by new lines,
// commas or blanks; # starts a comment. name labels errors.
func ReadConnectionIDs(r io.Reader, name string) ([]string, error) {
	var ids []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		for _, id := range strings.FieldsFunc(line, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if !ValidConnectionID(id) {
				return nil, fmt.Errorf("%s line %d: %q is not a connection ID (want vco- followed by letters and digits)", name, n, id)
			}
			ids = append(ids, id)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: no connection ID in it", name)
	}
	return ids, nil
}

// ResolveRegions resolves a comma-separated list of regions (each as
// ResolveRegion does, duplicates dropped, order kept).
func ResolveRegions(list, profile string, getenv func(string) string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, r := range strings.Split(list, ",") {
		if strings.TrimSpace(r) == "" {
			continue
		}
		r, _, err := ResolveRegion(strings.TrimSpace(r), profile, getenv)
		if err != nil {
			return nil, err
		}
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q: no region in it", list)
	}
	return out, nil
}

// AllRegions lists every region's ID (DescribeRegions).
func AllRegions(ctx context.Context, src RegionSource) ([]string, error) {
	list, err := src.DescribeRegions(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, r := range list {
		out[i] = r.RegionID
	}
	return out, nil
}
