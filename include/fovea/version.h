// fovea's version. The numbers here are the one place it is written: CMake's project() reads them from this file.
// FOVEA_VERSION_* are the headers' version, compiled into the program; fovea::version() is the version of the
// library it runs with, so a program can tell when it was built against other headers than the library it loads.
#pragma once

#define FOVEA_VERSION_MAJOR 0
#define FOVEA_VERSION_MINOR 2
#define FOVEA_VERSION_PATCH 0

namespace fovea {

// The library's version, "MAJOR.MINOR.PATCH".
const char* version();

}  // namespace fovea
