#ifndef SCIM_COMMON_SHUTDOWN_H_
#define SCIM_COMMON_SHUTDOWN_H_

namespace scim {

// Call first in main, before any thread starts, so that SIGINT and SIGTERM
// reach only WaitForShutdownSignal instead of an arbitrary thread.
void BlockShutdownSignals();

// Blocks until SIGINT or SIGTERM arrives; returns the signal number.
int WaitForShutdownSignal();

}  // namespace scim

#endif  // SCIM_COMMON_SHUTDOWN_H_
