// Package completion writes shell completion scripts (bash, zsh, fish)
// from a description of a command line: its commands, their flags, and
// the vendors with their --set keys. It knows shells, not vpnexport: the
// main package builds the Spec from its flag sets and the vendor
// registry, so a new flag, vendor or key reaches every script without an
// edit here.
package completion

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/pflag"
)

// Value says what a flag's value completes to.
type Value int

const (
	// Switch is a flag without a value.
	Switch Value = iota
	// Free is a value with no completion (a name, a region).
	Free
	// File is a file name.
	File
	// Dir is a folder name.
	Dir
	// VendorList is a comma-separated list of vendor names or "all".
	VendorList
	// VendorName is one vendor name.
	VendorName
	// SetKey is key=value, with the keys of the vendors selected by the
	// VendorList flag on the same line.
	SetKey
)

// Flag is one flag of a command.
type Flag struct {
	Long  string // without the dashes
	Short string // "" when the flag has no short form
	Help  string
	Value Value
	// Repeat marks a flag that may be given more than once.
	Repeat bool
}

// Command is one subcommand.
type Command struct {
	Name    string
	Summary string
	Flags   []Flag
	// Args are the fixed values of its positional argument, if any.
	Args []string
}

// Key is a --set key.
type Key struct{ Name, Help string }

// Vendor is one output vendor and its --set keys.
type Vendor struct {
	Name    string
	Summary string
	Keys    []Key
	// AllKeys marks a vendor that takes every vendor's keys (a summary
	// that runs every vendor's checks).
	AllKeys bool
}

// Spec is the command line to complete.
type Spec struct {
	Program  string
	Commands []Command
	// Flags are the flags before any command (--version, --help).
	Flags   []Flag
	Vendors []Vendor
	// DefaultVendor is the vendor whose keys --set offers when no vendor
	// was selected.
	DefaultVendor string
	// AllVendors is the vendor-list value meaning every vendor ("all").
	AllVendors string
}

// FlagsOf describes the flags of a pflag set, and -h/--help. values says
// what a flag's value completes to, by long name; other flags take a free
// value, or none for switches.
func FlagsOf(fs *pflag.FlagSet, values map[string]Value) []Flag {
	var out []Flag
	fs.VisitAll(func(f *pflag.Flag) {
		typ := f.Value.Type()
		cf := Flag{Long: f.Name, Short: f.Shorthand, Help: f.Usage, Value: Free,
			Repeat: strings.HasSuffix(typ, "Slice") || strings.HasSuffix(typ, "Array")}
		if v, ok := values[f.Name]; ok {
			cf.Value = v
		} else if f.NoOptDefVal != "" {
			cf.Value = Switch
		}
		out = append(out, cf)
	})
	return append(out, Flag{Long: "help", Short: "h", Help: "show help"})
}

// Shells are the shells Write knows.
var Shells = []string{"bash", "zsh", "fish"}

// Write writes the script for shell.
func Write(w io.Writer, shell string, s Spec) error {
	var out string
	switch shell {
	case "bash":
		out = bash(s)
	case "zsh":
		out = zsh(s)
	case "fish":
		out = fish(s)
	default:
		return fmt.Errorf("unknown shell %q (want %s)", shell, strings.Join(Shells, ", "))
	}
	_, err := io.WriteString(w, out)
	return err
}

// keysFor maps each vendor name, and the "all" value, to the --set keys
// it takes; a vendor with AllKeys takes every key. Keys are sorted and
// unique; help texts say which vendor a key belongs to.
func (s Spec) keysFor() (names []string, keys map[string][]Key) {
	keys = map[string][]Key{}
	var all []Key
	seen := map[string]bool{}
	for _, v := range s.Vendors {
		for _, k := range v.Keys {
			if !seen[k.Name] {
				seen[k.Name] = true
				all = append(all, Key{k.Name, v.Name + ": " + k.Help})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	for _, v := range s.Vendors {
		names = append(names, v.Name)
		if v.AllKeys {
			keys[v.Name] = all
			continue
		}
		for _, k := range v.Keys {
			keys[v.Name] = append(keys[v.Name], Key{k.Name, v.Name + ": " + k.Help})
		}
	}
	names = append(names, s.AllVendors)
	keys[s.AllVendors] = all
	return names, keys
}

func (s Spec) commandNames() []string {
	var names []string
	for _, c := range s.Commands {
		names = append(names, c.Name)
	}
	return names
}

// short trims a help text for menus.
func short(help string) string {
	help = strings.ReplaceAll(help, "`", "")
	if len(help) > 90 {
		cut := strings.LastIndex(help[:87], " ")
		if cut < 40 {
			cut = 87
		}
		help = help[:cut] + "..."
	}
	return help
}
