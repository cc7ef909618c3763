// Every params header, for code that dispatches over the whole registry.
#pragma once
#include "arange.h"
#include "binary.h"
#include "cast.h"
#include "copy.h"
#include "fill.h"
#include "matmul.h"
#include "random.h"
