#!/usr/bin/perl
# Prints, as JSON, what Debian's Email::Outlook::Message (the library behind msgconvert) reads
# from a .msg file's properties alone: the transport headers are not used, so every field
# must come from its MAPI property. Binary values are hex. Used by check-msg.
use strict;
use warnings;
use Email::Outlook::Message;
use JSON::PP;

sub fields {
    my ($m) = @_;
    my @atts;
    for my $a (@{ $m->{ATTACHMENTS} }) {
        push @atts, {
            name => $a->{LONGNAME} // $a->{SHORTNAME} // '',
            mime_type => $a->{MIMETYPE},
            content_id => $a->{CONTENTID} // '',
            data => unpack('H*', utf8::is_utf8($a->{DATA}) ? Encode::encode('UTF-8', $a->{DATA})
                                                            : $a->{DATA} // ''),
        };
    }
    return {
        subject => $m->{SUBJECT} // '',
        from => $m->_Address('FROM'),
        to => $m->_expand_address_list($m->{TO}),
        cc => $m->_expand_address_list($m->{CC}),
        date => $m->{DATE1ST} // '',
        body => $m->{BODY_PLAIN} // '',
        attachments => \@atts,
    };
}

my $m = Email::Outlook::Message->new($ARGV[0]);
print JSON::PP->new->utf8->canonical->encode(fields($m)), "\n";
