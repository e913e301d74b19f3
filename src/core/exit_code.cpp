#include "core/exit_code.hpp"

namespace imapmirror::core {

int exit_code_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return kExitUsage;
        case ErrorKind::Network:
            return kExitNetwork;
        case ErrorKind::Timeout:
            return kExitTimeout;
        case ErrorKind::Tls:
            return kExitTls;
        case ErrorKind::Auth:
            return kExitAuth;
        case ErrorKind::NotFound:
            return kExitNotFound;
        case ErrorKind::Protocol:
        case ErrorKind::Parse:
        case ErrorKind::Limit:
            return kExitProtocol;
        case ErrorKind::Io:
        case ErrorKind::DiskFull:
        case ErrorKind::Corrupt:
            return kExitLocalIo;
        case ErrorKind::Cancelled:
            return kExitInterrupted;
        case ErrorKind::NothingSelected:
            return kExitNothingSelected;
        case ErrorKind::Locked:
            return kExitLocked;
    }
    return kExitInternal;
}

int exit_code_for(const Error& error) {
    return exit_code_for(error.kind);
}

}  // namespace imapmirror::core
