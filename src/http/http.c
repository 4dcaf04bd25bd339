/* http: placeholder so the module links while it is being written. */
#include "http.h"
