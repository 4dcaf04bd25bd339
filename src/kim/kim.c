/* kim: placeholder so the module links while it is being written. */
#include "kim.h"
