// Package api is vpnexport's only door to Alibaba Cloud: the one package
// that knows Alibaba's field names, their type drift, their orientation and
// the VPC OpenAPI (version 2016-04-28). Everything it hands on is the
// vendor-neutral model of package vpn.
//
// # Reading a connection
//
//   - Parse decodes a saved DownloadVpnConnectionConfig response, JSON or
//     XML (detected from the first non-blank character), whole or only its
//     VpnConnectionConfig object, with tolerant number and boolean types.
//   - Normalize turns the download into a vpn.Connection. It is the one
//     place that decides orientation: the download describes the on-prem
//     device, so Local*, LocalId and LocalSubnet become the model's local
//     side (this device) and Remote*, RemoteId and RemoteSubnet the model's
//     remote side (Alibaba). It also decides single against dual tunnel,
//     maps every algorithm value, validates lifetimes, identities, subnets
//     and the pre-shared key, and reports every problem at once, each with
//     the field's API path. Guesses (the master tunnel, the orientation of
//     the download's BGP block) come back as warnings.
//   - ApplyDescription completes a normalized connection with what only the
//     cloud-side DescribeVpnConnection knows (ID, name, DPD/NAT-T switches,
//     tunnel roles, BGP). It first runs CheckOrientation, which compares the
//     two responses' subnets and gateway addresses and fails, showing both
//     readings, when they disagree; nothing ever swaps the sides silently.
//
// # Calling Alibaba Cloud
//
// Client is the Source backed by Alibaba's official SDK: RPC calls signed
// with ACS3-HMAC-SHA256, one HTTP request per call, the endpoint always set
// explicitly (vpc.<region>.aliyuncs.com unless overridden). Retrying wraps
// a Source with a RetryPolicy; Retryable decides by the API's error Code,
// not the HTTP status: throttling, ServiceUnavailable, InternalError and
// network errors are retried, signature, credential, permission and
// not-found errors never. ListAll pages through DescribeVpnConnections.
// ResolveCredentials walks the same provider chain as the aliyun CLI and
// credentials-go, once and up front, and says which source it used;
// ResolveRegion picks the region.
//
// # Secrets
//
// The pre-shared key, BGP keys, AccessKey secrets and STS tokens never
// appear in an error, a warning or a message built here. Normalize masks
// every key it has seen in every error, because an echoed value may happen
// to contain it; the key itself is handed on only inside a vpn.Secret.
// Credentials.Secrets lists the credential values callers must scrub from
// anything they print.
//
// The facts this package relies on, with their sources, are in
// docs/alibaba-api.md.
package api
