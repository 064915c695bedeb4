/**
 * Child-process entry of `synthTemplate()` (local/template.ts): synthesizes the stack
 * and writes its CloudFormation template to stdout as JSON.
 */
import { synthTemplateInProcess } from './template.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const template = await synthTemplateInProcess();
process.stdout.write(JSON.stringify(template));
