/** An error the Platform API would answer: `{id, message, resource?, url?}` with its status. */
export class ApiError extends Error {
  readonly headers: Record<string, string>
  readonly resource?: string
  readonly url?: string

  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
    extra: {headers?: Record<string, string>, resource?: string, url?: string} = {},
  ) {
    super(message)
    this.headers = extra.headers ?? {}
    this.resource = extra.resource
    this.url = extra.url
  }

  get body(): {id: string, message: string, resource?: string, url?: string} {
    return {
      id: this.id,
      message: this.message,
      ...(this.resource ? {resource: this.resource} : {}),
      ...(this.url ? {url: this.url} : {}),
    }
  }
}

export const appNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that app.', {resource: 'app'})
export const addonNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that add on.', {resource: 'add_on'})
export const attachmentNotFound = () =>
  new ApiError(404, 'not_found', 'Couldn\'t find that add on attachment.', {resource: 'add_on_attachment'})
export const releaseNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that release.', {resource: 'release'})
export const dynoNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that dyno.', {resource: 'dyno'})
export const serviceNotFound = () =>
  new ApiError(404, 'not_found', 'Couldn\'t find that add on service.', {resource: 'add_on_service'})
export const planNotFound = () => new ApiError(404, 'not_found', 'Couldn\'t find that plan.', {resource: 'plan'})

export const forbidden = (appName: string) => new ApiError(403, 'forbidden', `You do not have access to the app ${appName}.`)
export const invalidParams = (message: string) => new ApiError(422, 'invalid_params', message)
export const badRequest = (message: string) => new ApiError(400, 'bad_request', message)

export const unauthorized = () => new ApiError(401, 'unauthorized', 'Invalid credentials provided.')
export const rateLimited = () => new ApiError(429, 'rate_limit', 'Your account reached the API rate limit\nPlease wait a few minutes before making new requests')

export const endpointNotFound = () =>
  new ApiError(
    404,
    'not_found',
    'The requested API endpoint was not found. Are you using the right HTTP verb (i.e. `GET` vs. `POST`), and did you specify your intended version with the `Accept` header?',
  )

/** The default error id for an injected status when the caller gave no body. */
export function defaultErrorFor(status: number): {id: string, message: string} {
  const known: Record<number, {id: string, message: string}> = {
    400: {id: 'bad_request', message: 'Bad request.'},
    401: {id: 'unauthorized', message: 'Invalid credentials provided.'},
    403: {id: 'forbidden', message: 'You do not have access to this resource.'},
    404: {id: 'not_found', message: 'Couldn\'t find that resource.'},
    409: {id: 'conflict', message: 'A conflicting change happened at the same time.'},
    422: {id: 'invalid_params', message: 'Invalid parameters.'},
    429: {id: 'rate_limit', message: 'Your account reached the API rate limit'},
    500: {id: 'internal_server_error', message: 'Internal server error.'},
    502: {id: 'unavailable', message: 'Bad gateway.'},
    503: {id: 'unavailable', message: 'Service unavailable. Please try again later.'},
    504: {id: 'unavailable', message: 'Gateway timeout.'},
  }
  return known[status] ?? {id: status >= 500 ? 'internal_server_error' : 'bad_request', message: `HTTP ${status}`}
}
