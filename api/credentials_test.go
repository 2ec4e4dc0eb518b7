package api

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Credential tests pass the environment as a map. HOME is always a fresh
// temporary folder and the ECS metadata step is disabled, so no test
// reads the real ~/.aliyun or waits for the metadata service.
func credEnv(t *testing.T, kv map[string]string) func(string) string {
	t.Helper()
	m := map[string]string{"HOME": t.TempDir(), EnvECSDisabled: "true"}
	for k, v := range kv {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, path, current, profiles string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	data := fmt.Sprintf(`{"current": %q, "profiles": [%s]}`, current, profiles)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

const twoProfiles = `
	{"name": "default", "mode": "AK", "access_key_id": "LTAIdefault", "access_key_secret": "default-secret-0001", "region_id": "cn-hangzhou"},
	{"name": "prod", "mode": "StsToken", "access_key_id": "STSprod", "access_key_secret": "prod-secret-0002", "sts_token": "prod-token-0003", "region_id": "cn-beijing"},
	{"name": "old", "mode": "RsaKeyPair", "access_key_id": "x", "region_id": "eu-central-1"}`

func TestCredentialsFromEnvironment(t *testing.T) {
	for name, tc := range map[string]struct {
		env       map[string]string
		wantToken string
		source    string
	}{
		"AccessKey": {env: map[string]string{EnvAccessKeyID: "LTAIenv", EnvAccessKeySecret: "env-secret-0001"}, source: "environment (ALIBABA_CLOUD_ACCESS_KEY_ID)"},
		"STS":       {env: map[string]string{EnvAccessKeyID: "STSenv", EnvAccessKeySecret: "env-secret-0001", EnvSecurityToken: "env-token-0002"}, wantToken: "env-token-0002", source: "environment (ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_SECURITY_TOKEN)"},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := credEnv(t, tc.env)
			// A CLI profile exists too: the environment comes first.
			writeConfig(t, CLIConfigPath(getenv), "default", twoProfiles)
			c, err := ResolveCredentials(CredentialOptions{Getenv: getenv})
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.Credential.GetCredential()
			if err != nil {
				t.Fatal(err)
			}
			if *m.AccessKeyId != tc.env[EnvAccessKeyID] || *m.AccessKeySecret != tc.env[EnvAccessKeySecret] || *m.SecurityToken != tc.wantToken {
				t.Errorf("credential = %s / token %q", *m.AccessKeyId, *m.SecurityToken)
			}
			if c.Source != tc.source {
				t.Errorf("source = %q", c.Source)
			}
		})
	}
}

func TestCredentialsFromCLIProfile(t *testing.T) {
	for name, tc := range map[string]struct {
		flag, envProfile string
		configFileEnv    bool
		wantID, wantName string
	}{
		"current profile":           {wantID: "LTAIdefault", wantName: `"default"`},
		"--profile":                 {flag: "prod", wantID: "STSprod", wantName: `"prod"`},
		"ALIBABA_CLOUD_PROFILE":     {envProfile: "prod", wantID: "STSprod", wantName: `"prod"`},
		"ALIBABA_CLOUD_CONFIG_FILE": {configFileEnv: true, wantID: "LTAIdefault", wantName: `"default"`},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{EnvProfile: tc.envProfile}
			var path string
			if tc.configFileEnv {
				path = filepath.Join(t.TempDir(), "elsewhere.json")
				env[EnvConfigFile] = path
			}
			getenv := credEnv(t, env)
			if path == "" {
				path = filepath.Join(getenv("HOME"), ".aliyun", "config.json")
			}
			writeConfig(t, path, "default", twoProfiles)
			c, err := ResolveCredentials(CredentialOptions{Profile: tc.flag, Getenv: getenv})
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.Credential.GetCredential()
			if err != nil {
				t.Fatal(err)
			}
			if *m.AccessKeyId != tc.wantID {
				t.Errorf("AccessKeyId = %s, want %s", *m.AccessKeyId, tc.wantID)
			}
			if !strings.Contains(c.Source, "aliyun CLI profile "+tc.wantName+" in "+path) {
				t.Errorf("source = %q", c.Source)
			}
			for _, s := range []string{"default-secret-0001", "prod-secret-0002", "prod-token-0003"} {
				if got := c.Redactor().Redact("x " + s + " y"); strings.Contains(got, s) {
					t.Errorf("secret %q not registered for scrubbing: %q", s, got)
				}
			}
		})
	}
}

func TestCredentialsExplicitProfileBeatsEnvironment(t *testing.T) {
	getenv := credEnv(t, map[string]string{EnvAccessKeyID: "LTAIenv", EnvAccessKeySecret: "env-secret-0001"})
	writeConfig(t, CLIConfigPath(getenv), "default", twoProfiles)
	c, err := ResolveCredentials(CredentialOptions{Profile: "prod", Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := c.Credential.GetCredential(); *m.AccessKeyId != "STSprod" {
		t.Errorf("AccessKeyId = %s", *m.AccessKeyId)
	}
}

func TestCredentialsErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		profile string
		env     map[string]string
		config  string // profiles JSON; "-" = no file, "!" = invalid JSON
		want    []string
	}{
		"nothing configured": {config: "-", want: []string{
			"no Alibaba Cloud credentials found",
			"Set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET",
			"'aliyun configure'", "ALIBABA_CLOUD_CONFIG_FILE", "--profile or ALIBABA_CLOUD_PROFILE",
			"config.json does not exist", "ECS instance RAM role: ALIBABA_CLOUD_ECS_METADATA_DISABLED is true",
		}},
		"half the environment": {config: "-", env: map[string]string{EnvAccessKeyID: "LTAIx"}, want: []string{
			"ALIBABA_CLOUD_ACCESS_KEY_ID is set but ALIBABA_CLOUD_ACCESS_KEY_SECRET is not",
		}},
		"unknown profile": {profile: "staging", config: twoProfiles, want: []string{
			`profile "staging"`, "no such profile (profiles: default, prod, old)",
		}},
		"mode credentials-go lacks": {profile: "old", config: twoProfiles, want: []string{
			`mode "RsaKeyPair" is not supported by the Alibaba credentials library`, "the aliyun CLI accepts more modes",
		}},
		"broken config": {config: "!", want: []string{"not valid JSON"}},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := credEnv(t, tc.env)
			path := CLIConfigPath(getenv)
			switch tc.config {
			case "-":
			case "!":
				os.MkdirAll(filepath.Dir(path), 0o700)
				os.WriteFile(path, []byte(`{"profiles": [{"name": "x", "access_key_secret": "leaky-secret-0009"`), 0o600)
			default:
				writeConfig(t, path, "default", tc.config)
			}
			_, err := ResolveCredentials(CredentialOptions{Profile: tc.profile, Getenv: getenv})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			for _, secret := range []string{"default-secret-0001", "prod-secret-0002", "prod-token-0003", "leaky-secret-0009"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret:\n%v", err)
				}
			}
		})
	}
}

func TestResolveRegion(t *testing.T) {
	for name, tc := range map[string]struct {
		flag, profile string
		env           map[string]string
		config        bool
		want, source  string
		wantErr       string
	}{
		"flag wins":             {flag: "cn-shenzhen", env: map[string]string{EnvRegion: "cn-beijing"}, config: true, want: "cn-shenzhen", source: "--region"},
		"environment":           {env: map[string]string{EnvRegion: "ap-southeast-1"}, config: true, want: "ap-southeast-1", source: EnvRegion},
		"current profile":       {config: true, want: "cn-hangzhou", source: `profile "default"`},
		"--profile":             {profile: "prod", config: true, want: "cn-beijing", source: `profile "prod"`},
		"ALIBABA_CLOUD_PROFILE": {env: map[string]string{EnvProfile: "prod"}, config: true, want: "cn-beijing", source: `profile "prod"`},
		"none":                  {wantErr: `no region: pass --region (e.g. --region cn-shanghai), set ALIBABA_CLOUD_REGION_ID, or set region_id in aliyun CLI profile "default"`},
		"profile lacks region":  {profile: "bare", config: true, wantErr: `region_id in aliyun CLI profile "bare"`},
		"malformed":             {flag: "Shanghai", wantErr: `region "Shanghai" from --region is not a region ID`},
	} {
		t.Run(name, func(t *testing.T) {
			getenv := credEnv(t, tc.env)
			if tc.config {
				writeConfig(t, CLIConfigPath(getenv), "default", twoProfiles+`, {"name": "bare", "mode": "AK"}`)
			}
			r, src, err := ResolveRegion(tc.flag, tc.profile, getenv)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || r != tc.want || !strings.HasPrefix(src, tc.source) {
				t.Errorf("got %q from %q (%v), want %q from %q", r, src, err, tc.want, tc.source)
			}
		})
	}
}
