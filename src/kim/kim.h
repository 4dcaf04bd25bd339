/*
 * kim: the KIM workflow over entries (proto/KIM.md): who may write each
 * kind and step, the lifecycle of a report, deadlines in working days, and
 * the views. Pure: no I/O; bodies are decoded by wire (wire_kim_*).
 */
#ifndef SIMPUL_KIM_H
#define SIMPUL_KIM_H

#include "../entry/entry.h"

#endif
