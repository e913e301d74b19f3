#include "mime/transfer_decoder.hpp"

#include "core/ascii.hpp"

namespace imapmirror::mime {

TransferDecoder::TransferDecoder(std::string_view encoding) {
    if (core::ascii_iequals(encoding, "base64"))
        m_kind = Kind::Base64;
    else if (core::ascii_iequals(encoding, "quoted-printable"))
        m_kind = Kind::QuotedPrintable;
}

void TransferDecoder::decode_qp(char c, std::string& out) {
    if (m_qp_pending.empty()) {
        if (c == '=')
            m_qp_pending = "=";
        else
            out.push_back(c);
        return;
    }
    if (m_qp_pending == "=") {
        if (c == '\n') {
            m_qp_pending.clear();  // soft line break
        } else if (c == '\r') {
            m_qp_pending = "=\r";
        } else if (core::hex_digit_value(c) >= 0) {
            m_qp_pending.push_back(c);
        } else {
            out.push_back('=');  // not an escape: kept
            m_qp_pending.clear();
            decode_qp(c, out);
        }
        return;
    }
    if (m_qp_pending == "=\r") {
        m_qp_pending.clear();  // "=\r\n", or a lone CR: a soft line break either way
        if (c != '\n')
            decode_qp(c, out);
        return;
    }
    const int high = core::hex_digit_value(m_qp_pending[1]), low = core::hex_digit_value(c);
    if (low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        m_qp_pending.clear();
        return;
    }
    out += m_qp_pending;
    m_qp_pending.clear();
    decode_qp(c, out);
}

void TransferDecoder::decode(std::string_view in, std::string& out) {
    switch (m_kind) {
        case Kind::Identity:
            out.append(in);
            return;
        case Kind::Base64:
            m_base64.decode(in, out);
            return;
        case Kind::QuotedPrintable:
            out.reserve(out.size() + in.size());
            for (char c : in)
                decode_qp(c, out);
            return;
    }
}

void TransferDecoder::finish(std::string& out) {
    if (m_kind == Kind::Base64)
        m_base64.finish(out);
    // a2b_qp drops an "=" at the very end and keeps "=X".
    if (m_qp_pending.size() == 2 && m_qp_pending[1] != '\r')
        out += m_qp_pending;
    m_qp_pending.clear();
}

}  // namespace imapmirror::mime
