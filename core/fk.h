/* The core library's one public header: everything the TUI, the CLI and the tests use. */
#ifndef FK_H
#define FK_H

#include "status.h"
#include "util.h"
#include "crypto.h"
#include "keys.h"
#include "norm.h"
#include "lgcode.h"
#include "conf.h"
#include "db.h"
#include "register.h"
#include "ctx.h"
#include "datakey.h"
#include "store.h"
#include "refdata.h"
#include "operator.h"
#include "audit.h"
#include "names.h"
#include "demo_gen.h"
#include "demo.h"
#include "rotate.h"
#include "health.h"
#include "lockout.h"
#include "auth.h"
#include "disp.h"
#include "browse.h"

#endif
