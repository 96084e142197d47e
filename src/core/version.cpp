#include "fovea/version.h"

#define FOVEA_STRINGIFY_(x) #x
#define FOVEA_STRINGIFY(x) FOVEA_STRINGIFY_(x)

namespace fovea {

const char* version() {
  return FOVEA_STRINGIFY(FOVEA_VERSION_MAJOR) "." FOVEA_STRINGIFY(FOVEA_VERSION_MINOR) "." FOVEA_STRINGIFY(
      FOVEA_VERSION_PATCH);
}

}  // namespace fovea
