package api

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadConnectionIDs(t *testing.T) {
	ids, err := ReadConnectionIDs(strings.NewReader("vco-a1, vco-b2\n# a comment\nvco-c3 # trailing\n\n"), "ids.txt")
	require.NoError(t, err)
	assert.Equal(t, []string{"vco-a1", "vco-b2", "vco-c3"}, ids)

	_, err = ReadConnectionIDs(strings.NewReader("vco-a1\nvpn-gw1\n"), "ids.txt")
	assert.EqualError(t, err, `ids.txt line 2: "vpn-gw1" is not a connection ID (want vco- followed by letters and digits)`)
	_, err = ReadConnectionIDs(strings.NewReader("# nothing\n"), "ids.txt")
	assert.EqualError(t, err, "ids.txt: no connection ID in it")
}

func TestResolveRegions(t *testing.T) {
	env := func(string) string { return "" }
	got, err := ResolveRegions("cn-shanghai, cn-beijing,,cn-shanghai", "", env)
	require.NoError(t, err)
	assert.Equal(t, []string{"cn-shanghai", "cn-beijing"}, got)
	_, err = ResolveRegions(" , ", "", env)
	assert.ErrorContains(t, err, "no region in it")
	assert.True(t, ValidConnectionID("vco-bp1abc"))
	assert.False(t, ValidConnectionID("vco-bp1;rm"))
	assert.True(t, ValidGatewayID("vpn-bp1abc"))
}
