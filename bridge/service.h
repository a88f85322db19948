/* Wiring of the bridge's modules on one event loop. */
#ifndef CB_BRIDGE_SERVICE_H
#define CB_BRIDGE_SERVICE_H

#include "config.h"

/* Run the bridge until SIGTERM/SIGINT; returns the exit code. cfg (and its
 * tenants, sites and hours) stays the caller's and must outlive the call. */
int service_run(const struct bridge_config *cfg);

#endif
