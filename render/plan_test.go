package render

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/vpnexport/vpnexport/templates"
)

func TestPlanOffset(t *testing.T) {
	register(Vendor{Name: "offset-test", File: "x", NoSecrets: true, Params: []Param{
		{Key: "tunnel", Default: "100", Stride: 2},
		{Key: "inside", Default: "169.254.255.0/29", Stride: 1},
		{Key: "empty", Default: "", Stride: 1},
		{Key: "name", Default: "ALIYUN"},
	}})
	t.Cleanup(func() { delete(registry, "offset-test") })

	p, err := NewPlan(PlanOptions{Vendors: []string{"offset-test"}, Templates: templates.FS, Sets: map[string]string{"name": "MAP"}})
	require.NoError(t, err)
	p0, alloc0, err := p.Offset(0)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"name": "MAP", "tunnel": "100", "inside": "169.254.255.0/29"}, p0.Params("offset-test"))
	assert.Equal(t, map[string]string{"tunnel": "100", "inside": "169.254.255.0/29"}, alloc0["offset-test"])

	p3, alloc3, err := p.Offset(3)
	require.NoError(t, err)
	assert.Equal(t, "106", p3.Params("offset-test")["tunnel"])
	assert.Equal(t, "169.254.255.24/29", p3.Params("offset-test")["inside"])
	assert.Equal(t, "MAP", p3.Params("offset-test")["name"], "parameters without a stride keep their value")
	assert.NotContains(t, alloc3["offset-test"], "empty")
	assert.Equal(t, map[string]string{"name": "MAP"}, p.Params("offset-test"), "the base plan is unchanged")

	// A user's --set is the base of the allocation.
	ps, err := NewPlan(PlanOptions{Vendors: []string{"offset-test"}, Templates: templates.FS, Sets: map[string]string{"tunnel": "200"}})
	require.NoError(t, err)
	ps1, _, err := ps.Offset(1)
	require.NoError(t, err)
	assert.Equal(t, "202", ps1.Params("offset-test")["tunnel"])

	_, _, err = mustPlan(t, "offset-test", map[string]string{"inside": "255.255.255.248/29"}).Offset(1)
	assert.ErrorContains(t, err, "past 255.255.255.255")
}

func mustPlan(t *testing.T, vendor string, sets map[string]string) *Plan {
	t.Helper()
	p, err := NewPlan(PlanOptions{Vendors: []string{vendor}, Templates: templates.FS, Sets: sets})
	require.NoError(t, err)
	return p
}
