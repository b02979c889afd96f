export { type Notification, STREAM_ENTITY_TYPES, STREAM_TYPE_RESOURCES, type StreamEntityType, isStreamEntityType } from './notification.js';
export { BusFeed, type NotificationFeed } from './notification-feed.js';
export { type Listener, Notifier, type StreamFilter } from './notifier.js';
