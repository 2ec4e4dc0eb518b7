package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
	"github.com/vpnexport/vpnexport/vpn"
)

// Credentials are resolved credentials, ready for ClientConfig.
type Credentials struct {
	// Credential signs requests; providers with temporary credentials
	// (RAM role, ECS role, OIDC) refresh themselves.
	Credential credentials.Credential
	// Source says where they came from, for messages: which variables,
	// which profile in which file. Never a secret.
	Source string
	// redactor masks every secret value seen while resolving.
	redactor *vpn.Redactor
}

// Redactor masks every secret value seen while resolving (AccessKey
// secrets, STS tokens) in any text; callers derive per-connection
// redactors from it (Redactor.With).
func (c *Credentials) Redactor() *vpn.Redactor { return c.redactor }

// CredentialOptions tell ResolveCredentials where to look.
type CredentialOptions struct {
	// Profile is --profile: an aliyun CLI profile (or a section of
	// ~/.alibabacloud/credentials). Given explicitly, it wins over the
	// environment's AccessKey, because the user asked for it by name.
	Profile string
	// Getenv reads the environment (os.Getenv in production).
	Getenv func(string) string
}

// Environment variables read by ResolveCredentials and ResolveRegion, the
// ones credentials-go and the aliyun CLI document.
const (
	EnvAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	EnvAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
	EnvSecurityToken   = "ALIBABA_CLOUD_SECURITY_TOKEN"
	EnvProfile         = "ALIBABA_CLOUD_PROFILE"
	EnvRegion          = "ALIBABA_CLOUD_REGION_ID"
	EnvConfigFile      = "ALIBABA_CLOUD_CONFIG_FILE"
	EnvCredentialsFile = "ALIBABA_CLOUD_CREDENTIALS_FILE"
	EnvCLIDisabled     = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED"
	EnvECSDisabled     = "ALIBABA_CLOUD_ECS_METADATA_DISABLED"
	EnvECSRole         = "ALIBABA_CLOUD_ECS_METADATA"
	EnvIMDSv1Disabled  = "ALIBABA_CLOUD_IMDSV1_DISABLED"
	EnvCredentialsURI  = "ALIBABA_CLOUD_CREDENTIALS_URI"
	EnvRoleArn         = "ALIBABA_CLOUD_ROLE_ARN"
	EnvOIDCProviderArn = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"
	EnvOIDCTokenFile   = "ALIBABA_CLOUD_OIDC_TOKEN_FILE"
)

// step is one link of the chain: a provider, or why it was skipped.
type step struct {
	name     string
	provider providers.CredentialsProvider
	skipped  string
}

// ResolveCredentials walks the same chain, in the same order, as
// credentials-go's default provider (credentials.NewCredential(nil)):
//
//  1. ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET (/ _SECURITY_TOKEN)
//  2. OIDC role (ALIBABA_CLOUD_ROLE_ARN, _OIDC_PROVIDER_ARN, _OIDC_TOKEN_FILE)
//  3. the aliyun CLI's config.json profile (ALIBABA_CLOUD_CONFIG_FILE or
//     ~/.aliyun/config.json; profile --profile, ALIBABA_CLOUD_PROFILE or
//     the file's current one)
//  4. ~/.alibabacloud/credentials (ALIBABA_CLOUD_CREDENTIALS_FILE)
//  5. the ECS instance RAM role (metadata service)
//  6. ALIBABA_CLOUD_CREDENTIALS_URI
//
// It builds the chain from credentials-go's providers itself, instead of
// calling the default chain, for three reasons: the environment comes from
// Getenv (tests need not touch the process environment); the chain is
// resolved once, up front, so a missing credential fails before any
// request and says which source was used; and the library's own errors
// can quote the whole CLI config file, secrets included, so the config
// file is checked here first and library errors are scrubbed.
//
// Where credentials-go reads os.Getenv itself and offers no option, the
// process environment is used: the shared credentials file's path
// (ALIBABA_CLOUD_CREDENTIALS_FILE, looked up here through Getenv only to
// decide whether the step applies), the STS region and VPC-endpoint
// switches of the RAM-role providers, and the IMDS settings of the ECS
// provider beyond those passed explicitly. In production Getenv is
// os.Getenv, so both agree.
func ResolveCredentials(opts CredentialOptions) (*Credentials, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	secrets := vpn.NewRedactor()
	addSecret := func(s ...string) {
		for _, v := range s {
			if strings.TrimSpace(v) != "" {
				secrets.Add(vpn.SecretValue{Kind: vpn.KindCredential, Value: v})
			}
		}
	}

	var steps []step
	explicit := strings.TrimSpace(opts.Profile)
	profileName := explicit
	if profileName == "" {
		profileName = strings.TrimSpace(getenv(EnvProfile))
	}

	if explicit == "" {
		steps = append(steps, envStep(getenv, addSecret))
		steps = append(steps, oidcStep(getenv))
	}

	cli, cliErr := cliStep(getenv, profileName, explicit != "", addSecret)
	if cliErr != nil {
		return nil, cliErr
	}
	steps = append(steps, cli)
	if explicit != "" && cli.provider != nil {
		steps = steps[len(steps)-1:]
	} else {
		steps = append(steps, iniStep(getenv, profileName))
		if explicit == "" {
			steps = append(steps, ecsStep(getenv), uriStep(getenv))
		}
	}

	var tried []string
	for _, s := range steps {
		if s.provider == nil {
			tried = append(tried, fmt.Sprintf("  %s: %s", s.name, s.skipped))
			continue
		}
		cc, err := s.provider.GetCredentials()
		if err != nil {
			tried = append(tried, fmt.Sprintf("  %s: %s", s.name, secrets.Redact(err.Error())))
			if explicit != "" {
				break
			}
			continue
		}
		addSecret(cc.AccessKeySecret, cc.SecurityToken)
		return &Credentials{
			Credential: credentials.FromCredentialsProvider(s.provider.GetProviderName(), s.provider),
			Source:     s.name,
			redactor:   secrets,
		}, nil
	}
	if explicit != "" {
		return nil, fmt.Errorf("credentials: profile %q: no usable credentials:\n%s", explicit, strings.Join(tried, "\n"))
	}
	return nil, fmt.Errorf("no Alibaba Cloud credentials found. Set %s and %s (and %s for an STS token), "+
		"or create an aliyun CLI profile with 'aliyun configure' (in %s, or the file named by %s) and choose it with --profile or %s. Tried:\n%s",
		EnvAccessKeyID, EnvAccessKeySecret, EnvSecurityToken, filepath.Join("~", ".aliyun", "config.json"), EnvConfigFile, EnvProfile,
		strings.Join(tried, "\n"))
}

func envStep(getenv func(string) string, addSecret func(...string)) step {
	s := step{name: "environment (" + EnvAccessKeyID + ")"}
	id, secret, token := getenv(EnvAccessKeyID), getenv(EnvAccessKeySecret), getenv(EnvSecurityToken)
	addSecret(secret, token)
	switch {
	case id == "" && secret == "":
		s.skipped = EnvAccessKeyID + " and " + EnvAccessKeySecret + " are not set"
	case id == "":
		s.skipped = EnvAccessKeySecret + " is set but " + EnvAccessKeyID + " is not"
	case secret == "":
		s.skipped = EnvAccessKeyID + " is set but " + EnvAccessKeySecret + " is not"
	case token != "":
		s.name = "environment (" + EnvAccessKeyID + ", " + EnvSecurityToken + ")"
		s.provider, _ = providers.NewStaticSTSCredentialsProviderBuilder().
			WithAccessKeyId(id).WithAccessKeySecret(secret).WithSecurityToken(token).Build()
	default:
		s.provider, _ = providers.NewStaticAKCredentialsProviderBuilder().
			WithAccessKeyId(id).WithAccessKeySecret(secret).Build()
	}
	return s
}

func oidcStep(getenv func(string) string) step {
	s := step{name: "OIDC role (" + EnvRoleArn + ")"}
	arn, provider, file := getenv(EnvRoleArn), getenv(EnvOIDCProviderArn), getenv(EnvOIDCTokenFile)
	if arn == "" || provider == "" || file == "" {
		s.skipped = "not configured"
		return s
	}
	p, err := providers.NewOIDCCredentialsProviderBuilder().
		WithRoleArn(arn).WithOIDCProviderARN(provider).WithOIDCTokenFilePath(file).Build()
	if err != nil {
		s.skipped = err.Error()
		return s
	}
	s.provider = p
	return s
}

// CLIProfile is a profile of the aliyun CLI's config.json, only the fields
// vpnexport looks at.
type CLIProfile struct {
	Name     string `json:"name"`
	Mode     string `json:"mode"`
	RegionID string `json:"region_id"`

	accessKeySecret string
	stsToken        string
}

type cliConfig struct {
	Current  string       `json:"current"`
	Profiles []CLIProfile `json:"profiles"`
}

// cliModes are the profile modes credentials-go v1.4 accepts (exact case).
// The aliyun CLI knows more and matches case-insensitively, so a profile
// that works for `aliyun` can still fail here.
var cliModes = []string{"AK", "StsToken", "RamRoleArn", "EcsRamRole", "OIDC", "ChainableRamRoleArn", "CloudSSO", "OAuth", "External"}

// CLIConfigPath is where the aliyun CLI keeps its profiles:
// ALIBABA_CLOUD_CONFIG_FILE, else $HOME/.aliyun/config.json. It is "" when
// neither is known.
func CLIConfigPath(getenv func(string) string) string {
	if p := getenv(EnvConfigFile); p != "" {
		return p
	}
	home := getenv("HOME")
	if home == "" {
		home = getenv("USERPROFILE") // Windows
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".aliyun", "config.json")
}

// loadCLIConfig reads the aliyun CLI config. A missing file is not an
// error (ok=false). The file's content is never quoted in errors: it holds
// secrets.
func loadCLIConfig(path string) (cfg cliConfig, ok bool, err error) {
	if path == "" {
		return cliConfig{}, false, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cliConfig{}, false, nil
	}
	if err != nil {
		return cliConfig{}, false, fmt.Errorf("aliyun CLI config %s: %w", path, err)
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return cliConfig{}, false, fmt.Errorf("aliyun CLI config %s: not valid JSON: %v", path, jsonErr(err))
	}
	var secrets struct {
		Profiles []struct {
			Secret string `json:"access_key_secret"`
			Token  string `json:"sts_token"`
		} `json:"profiles"`
	}
	_ = json.Unmarshal(data, &secrets)
	for i := range cfg.Profiles {
		if i < len(secrets.Profiles) {
			cfg.Profiles[i].accessKeySecret = secrets.Profiles[i].Secret
			cfg.Profiles[i].stsToken = secrets.Profiles[i].Token
		}
	}
	return cfg, true, nil
}

func (c cliConfig) profile(name string) (CLIProfile, bool) {
	for _, p := range c.Profiles {
		if p.Name == name {
			return p, true
		}
	}
	return CLIProfile{}, false
}

func (c cliConfig) names() string {
	var n []string
	for _, p := range c.Profiles {
		n = append(n, p.Name)
	}
	if len(n) == 0 {
		return "none"
	}
	return strings.Join(n, ", ")
}

// selected is the profile the CLI would use: the name asked for, else the
// file's current one, else "default".
func (c cliConfig) selected(name string) string {
	if name != "" {
		return name
	}
	if c.Current != "" {
		return c.Current
	}
	return "default"
}

func cliStep(getenv func(string) string, name string, explicit bool, addSecret func(...string)) (step, error) {
	path := CLIConfigPath(getenv)
	s := step{name: "aliyun CLI profile"}
	if strings.EqualFold(getenv(EnvCLIDisabled), "true") {
		s.skipped = EnvCLIDisabled + " is true"
		return s, nil
	}
	cfg, ok, err := loadCLIConfig(path)
	if err != nil {
		return s, fmt.Errorf("credentials: %w", err)
	}
	for _, p := range cfg.Profiles {
		addSecret(p.accessKeySecret, p.stsToken)
	}
	if !ok {
		if path == "" {
			s.skipped = "HOME and " + EnvConfigFile + " are not set"
		} else {
			s.skipped = path + " does not exist"
		}
		return s, nil
	}
	name = cfg.selected(name)
	s.name = fmt.Sprintf("aliyun CLI profile %q in %s", name, path)
	p, found := cfg.profile(name)
	if !found {
		s.skipped = fmt.Sprintf("no such profile (profiles: %s)", cfg.names())
		return s, nil
	}
	modeOK := false
	for _, m := range cliModes {
		if p.Mode == m {
			modeOK = true
		}
	}
	if !modeOK {
		err := fmt.Errorf("credentials: %s: mode %q is not supported by the Alibaba credentials library (supported: %s; the aliyun CLI accepts more modes and any letter case)",
			s.name, p.Mode, strings.Join(cliModes, ", "))
		if explicit || getenv(EnvProfile) != "" {
			return s, err
		}
		s.skipped = strings.TrimPrefix(err.Error(), "credentials: "+s.name+": ")
		return s, nil
	}
	s.name += " (mode " + p.Mode + ")"
	prov, err := providers.NewCLIProfileCredentialsProviderBuilder().WithProfileFile(path).WithProfileName(name).Build()
	if err != nil {
		s.skipped = err.Error()
		return s, nil
	}
	s.provider = prov
	return s, nil
}

func iniStep(getenv func(string) string, name string) step {
	s := step{name: "shared credentials file"}
	path := getenv(EnvCredentialsFile)
	if path == "" {
		if home := getenv("HOME"); home != "" {
			path = filepath.Join(home, ".alibabacloud", "credentials")
		}
	}
	if path == "" {
		s.skipped = "HOME and " + EnvCredentialsFile + " are not set"
		return s
	}
	if _, err := os.Stat(path); err != nil {
		s.skipped = path + " does not exist"
		return s
	}
	if name == "" {
		name = "default"
	}
	s.name = fmt.Sprintf("section [%s] of %s", name, path)
	p, err := providers.NewProfileCredentialsProviderBuilder().WithProfileName(name).Build()
	if err != nil {
		s.skipped = err.Error()
		return s
	}
	s.provider = p
	return s
}

func ecsStep(getenv func(string) string) step {
	s := step{name: "ECS instance RAM role"}
	if strings.EqualFold(getenv(EnvECSDisabled), "true") {
		s.skipped = EnvECSDisabled + " is true"
		return s
	}
	b := providers.NewECSRAMRoleCredentialsProviderBuilder().
		WithDisableIMDSv1(strings.EqualFold(getenv(EnvIMDSv1Disabled), "true"))
	if role := getenv(EnvECSRole); role != "" {
		b = b.WithRoleName(role)
	}
	p, err := b.Build()
	if err != nil {
		s.skipped = err.Error()
		return s
	}
	s.provider = p
	return s
}

func uriStep(getenv func(string) string) step {
	s := step{name: "credentials URI (" + EnvCredentialsURI + ")"}
	u := getenv(EnvCredentialsURI)
	if u == "" {
		s.skipped = "not set"
		return s
	}
	p, err := providers.NewURLCredentialsProviderBuilder().WithUrl(u).Build()
	if err != nil {
		s.skipped = err.Error()
		return s
	}
	s.provider = p
	return s
}

var regionPattern = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)

// ResolveRegion picks the region: the --region flag, else
// ALIBABA_CLOUD_REGION_ID, else region_id of the aliyun CLI profile
// (--profile, ALIBABA_CLOUD_PROFILE or the file's current one). It returns
// the region and where it came from.
func ResolveRegion(flag, profile string, getenv func(string) string) (region, source string, err error) {
	check := func(r, src string) (string, string, error) {
		r = strings.TrimSpace(r)
		if !regionPattern.MatchString(r) {
			return "", "", fmt.Errorf("region %q from %s is not a region ID (like cn-shanghai)", r, src)
		}
		return r, src, nil
	}
	if flag != "" {
		return check(flag, "--region")
	}
	if r := getenv(EnvRegion); r != "" {
		return check(r, EnvRegion)
	}
	name := strings.TrimSpace(profile)
	if name == "" {
		name = strings.TrimSpace(getenv(EnvProfile))
	}
	path := CLIConfigPath(getenv)
	cfg, ok, lerr := loadCLIConfig(path)
	where := "the aliyun CLI config"
	if path != "" {
		where = path
	}
	if ok && lerr == nil {
		name = cfg.selected(name)
		if p, found := cfg.profile(name); found && p.RegionID != "" {
			return check(p.RegionID, fmt.Sprintf("profile %q in %s", name, path))
		}
	}
	if name == "" {
		name = "default"
	}
	return "", "", fmt.Errorf("no region: pass --region (e.g. --region cn-shanghai), set %s, or set region_id in aliyun CLI profile %q (%s)", EnvRegion, name, where)
}
