# Rollback for mikrotik.rsc (seed-example): removes exactly the objects tagged vpnexport:seed-example: or named seed-example.
/ip ipsec policy remove [find comment~"^vpnexport:seed-example:"]
/ip ipsec identity remove [find comment~"^vpnexport:seed-example:"]
/ip ipsec peer remove [find name="seed-example"]
/ip ipsec profile remove [find name="seed-example"]
/ip ipsec proposal remove [find name="seed-example"]
/ip firewall filter remove [find comment~"^vpnexport:seed-example:"]
/ip firewall nat remove [find comment~"^vpnexport:seed-example:"]
/ip firewall address-list remove [find comment~"^vpnexport:seed-example:"]
