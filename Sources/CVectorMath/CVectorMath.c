// The functions of this target are static inline in include/CVectorMath.h; SwiftPM needs one source file.
#include "CVectorMath.h"
