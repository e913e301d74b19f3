#!/usr/bin/env node
// Reader 3 of tests/msg/check-msg: @kenjiuno/msgreader (npm), a .msg reader nobody here wrote.
//   node msgreader-fields.js FILE.msg   -> one JSON object on stdout
// Prints what it reads of the message, its recipients, attachments and embedded messages; the
// comparison with the source .eml is check-msg's.
'use strict';
const fs = require('fs');
const MsgReader = require('@kenjiuno/msgreader').default;

function view(reader, fields) {
  const out = {
    subject: fields.subject || '',
    senderEmail: fields.senderEmail || '',
    body: fields.body || '',
    messageClass: fields.messageClass || '',
    conversationTopic: fields.conversationTopic || '',
    normalizedSubject: fields.normalizedSubject || '',
    creationTime: fields.creationTime || '',
    clientSubmitTime: fields.clientSubmitTime || '',
    recipients: (fields.recipients || []).map((r) => ({
      kind: r.recipType || '', email: r.smtpAddress || r.email || '',
    })),
    attachments: [],
  };
  for (const a of fields.attachments || []) {
    if (a.innerMsgContentFields) {
      out.attachments.push({ kind: 'message', subject: a.innerMsgContentFields.subject || '' });
    } else {
      const got = reader.getAttachment(a);
      out.attachments.push({
        kind: 'file', name: a.fileName || '',
        base64: Buffer.from(got.content).toString('base64'),
      });
    }
  }
  return out;
}

const bytes = fs.readFileSync(process.argv[2]);
const reader = new MsgReader(bytes);
const fields = reader.getFileData();
if (fields.error) {
  process.stdout.write(JSON.stringify({ error: String(fields.error) }));
  process.exit(0);
}
process.stdout.write(JSON.stringify(view(reader, fields)));
