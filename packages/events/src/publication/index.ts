export {
  classifyPublish,
  defaultPublishLimits,
  parsePublishedBody,
  publishTypes,
  selectPackage,
  type PublishClassification,
  type PublishFacts,
  type PublishLimits,
  type PublishOperation,
  type PublishRefusal,
} from './rules.js';
export { composeState, newestDocument } from './compose.js';
export {
  PublicationService,
  type PublicationServiceOptions,
  type PublishAuthorization,
  type PublishAuthorizationRequest,
} from './service.js';
