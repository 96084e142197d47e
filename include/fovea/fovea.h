// The whole public API of fovea.
#pragma once

#include "fovea/autograd/autograd.h"
#include "fovea/core/error.h"
#include "fovea/core/rng.h"
#include "fovea/core/tensor.h"
#include "fovea/core/threading.h"
#include "fovea/ops/activation.h"
#include "fovea/ops/backend_select.h"
#include "fovea/ops/conv.h"
#include "fovea/ops/math.h"
#include "fovea/ops/normalization.h"
#include "fovea/ops/pool.h"
#include "fovea/ops/shape_ops.h"
