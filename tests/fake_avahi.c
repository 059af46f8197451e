/* Test only: DNS-SD made a no-op for ippeveprinter (CUPS 2.4 exits when it cannot register
 * with an Avahi daemon, and tests have none): preloaded into ippeveprinter alone. */
#include <stdint.h>
#include <stddef.h>

static int dummy;

void *avahi_client_new(const void *poll, int flags, void *cb, void *data, int *error)
{
	(void)poll, (void)flags, (void)cb, (void)data;
	if (error)
		*error = 0;
	return &dummy;
}
int avahi_client_errno(void *c) { (void)c; return 0; }
const char *avahi_client_get_host_name_fqdn(void *c) { (void)c; return "localhost"; }
void *avahi_entry_group_new(void *c, void *cb, void *data) { (void)c, (void)cb, (void)data; return &dummy; }
int avahi_entry_group_add_service_strlst(void *g, int iface, int proto, int flags, const char *name,
					 const char *type, const char *domain, const char *host,
					 uint16_t port, void *txt)
{
	(void)g, (void)iface, (void)proto, (void)flags, (void)name, (void)type, (void)domain,
		(void)host, (void)port, (void)txt;
	return 0;
}
int avahi_entry_group_add_service_subtype(void *g, int iface, int proto, int flags, const char *name,
					  const char *type, const char *domain, const char *subtype)
{
	(void)g, (void)iface, (void)proto, (void)flags, (void)name, (void)type, (void)domain, (void)subtype;
	return 0;
}
int avahi_entry_group_commit(void *g) { (void)g; return 0; }
int avahi_entry_group_free(void *g) { (void)g; return 0; }
