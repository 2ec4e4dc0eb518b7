// Package names checks and derives connection names: a name becomes a
// directory name (DIR/<name>/) and the base of object names on the
// device, so it is letters, digits, '.', '_' and '-', starting with a
// letter or digit.
package names

import (
	"errors"
	"fmt"
	"strings"
)

// Max bounds a name's length.
const Max = 128

// Check says what is wrong with a name the user typed (--name).
func Check(name string) error {
	switch {
	case name == "":
		return errors.New("empty")
	case len(name) > Max:
		return fmt.Errorf("longer than %d characters", Max)
	case !alnum(rune(name[0])):
		return errors.New("must start with a letter or a digit (it becomes a directory name)")
	}
	for _, r := range name {
		if !alnum(r) && !strings.ContainsRune("._-", r) {
			return fmt.Errorf("'%c' is not allowed: use letters, digits, '.', '_' and '-' (it becomes a directory name)", r)
		}
	}
	return nil
}

// Sanitize makes a name the user did not type (one derived from a file
// name) pass Check. A valid name is kept; in another, other characters
// become '-', runs of '-' one, and leading punctuation and trailing '-'
// go. A name with nothing left is "connection".
func Sanitize(s string) string {
	if Check(s) == nil {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if !alnum(r) && !strings.ContainsRune("._", r) {
			r = '-'
		}
		if r == '-' && strings.HasSuffix(b.String(), "-") {
			continue
		}
		b.WriteRune(r)
	}
	name := strings.TrimLeft(b.String(), "._-")
	name = strings.TrimRight(name[:min(len(name), Max)], "-")
	if name == "" {
		return "connection"
	}
	return name
}

func alnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
