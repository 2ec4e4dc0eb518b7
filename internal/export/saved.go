package export

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vpnexport/vpnexport/api"
)

// Names of the files `export --save-response` keeps in DIR/<id>/ next to
// the configurations: the API responses as they came, and the context the
// connection was rendered in. `render -i DIR/<id>/` reads them back
// (ReadSaved) and renders the same bytes.
const (
	SavedDownload = api.ActionDownload + ".json"
	SavedDescribe = api.ActionDescribe + ".json"
	SavedContext  = "export-context.json"
)

// SavedCustomerGateway is the file of one DescribeCustomerGateway answer.
func SavedCustomerGateway(id string) string {
	return api.ActionDescribeCustomerGateway + "-" + id + ".json"
}

// Context is what export knew about a connection besides the API
// responses: its region, its place in the batch (which numbers its
// parameters with a Stride got) and whether another connection of the
// run had the same name (object names then carry its tag).
type Context struct {
	Region     string `json:"region"`
	Offset     int    `json:"offset"`
	SharedName bool   `json:"shared_name,omitempty"`
}

// JSON is the context as saved.
func (c Context) JSON() []byte {
	data, _ := json.MarshalIndent(c, "", "  ")
	return append(data, '\n')
}

// Saved is a folder written by `export --save-response`, read back.
type Saved struct {
	Responses api.Responses
	Context   Context
	// HasContext is false for a folder without export-context.json
	// (written by an older vpnexport): region and offset are then unknown.
	HasContext bool
}

// IsSavedDir reports whether path is a folder (rather than a file).
func IsSavedDir(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// ReadSaved reads DIR/<id>/ as `export --save-response` wrote it: the
// download (required), the description and customer gateways (when
// saved) and the context. Each file is at most api.MaxInputSize bytes.
func ReadSaved(dir string) (Saved, error) {
	var s Saved
	read := func(name string) ([]byte, bool, error) {
		f, err := os.Open(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		defer f.Close()
		data, err := api.ReadLimited(f)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		return data, true, nil
	}
	data, ok, err := read(SavedDownload)
	if err != nil {
		return s, err
	}
	if !ok {
		return s, fmt.Errorf("%s: no %s (a folder written by 'export --save-response' holds one)", dir, SavedDownload)
	}
	if s.Responses.Download, err = api.Parse(data); err != nil {
		return s, fmt.Errorf("%s: %w", filepath.Join(dir, SavedDownload), err)
	}
	if data, ok, err = read(SavedDescribe); err != nil {
		return s, err
	} else if ok {
		if s.Responses.Describe, err = api.ParseDescription(data); err != nil {
			return s, fmt.Errorf("%s: %w", filepath.Join(dir, SavedDescribe), err)
		}
	}
	if data, ok, err = read(SavedContext); err != nil {
		return s, err
	} else if ok {
		if err := json.Unmarshal(data, &s.Context); err != nil {
			return s, fmt.Errorf("%s: %w", filepath.Join(dir, SavedContext), err)
		}
		s.HasContext = true
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return s, err
	}
	prefix := api.ActionDescribeCustomerGateway + "-"
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".json") {
			continue
		}
		data, _, err := read(name)
		if err != nil {
			return s, err
		}
		g, err := api.ParseCustomerGateway(data)
		if err != nil {
			return s, fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
		}
		if s.Responses.CustomerGateways == nil {
			s.Responses.CustomerGateways = map[string]*api.CustomerGateway{}
		}
		s.Responses.CustomerGateways[g.CustomerGatewayID] = g
	}
	return s, nil
}
